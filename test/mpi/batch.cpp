// The MPI batch under 1, 2 and 3 ranks: on every rank its losses, sums, means and statistics are
// bitwise those of the single-process batch on the same items, for any thread count, and a failed
// item reaches every rank as the same exception.
#include "common.hpp"

using namespace mpi_test;

TEST_CASE("items are split in contiguous blocks, the first count % ranks one longer", "[mpi]") {
  CHECK(tlm::items_of(7, 0, 3).first == 0);
  CHECK(tlm::items_of(7, 0, 3).last == 3);
  CHECK(tlm::items_of(7, 1, 3).first == 3);
  CHECK(tlm::items_of(7, 1, 3).last == 5);
  CHECK(tlm::items_of(7, 2, 3).first == 5);
  CHECK(tlm::items_of(7, 2, 3).last == 7);
  CHECK(tlm::items_of(2, 2, 3).size() == 0);
}

TEST_CASE("the MPI batch is bitwise the single-process batch, for any ranks and threads", "[mpi]") {
  const auto comm = world();
  for (const std::size_t count : {std::size_t{7}, std::size_t{2}, std::size_t{1}}) {
    const auto ps = make_problems(count);
    auto item = [&](std::size_t i) {
      return tlo::item(
          tlo::observation_loss(obs, zi, tlo::each(yi, ps[i].rows), tlo::reduction::mean),
          ps[i].z0, ps[i].times);
    };
    const auto single = tlo::odeint_adjoint_batch(model, count, item, lotka_params, opts(),
                                                  ode::runge_kutta_dopri5<state>{},
                                                  {.threads = 1});
    for (const std::size_t threads : {1, 2}) {
      CAPTURE(count, threads, comm.size(), comm.rank());
      const auto r = tlm::odeint_adjoint_batch(comm, model, count, item, lotka_params, opts(),
                                               ode::runge_kutta_dopri5<state>{},
                                               {.threads = threads});
      CHECK(r.mine.first == tlm::items_of(count, comm.rank(), comm.size()).first);
      CHECK(r.items.size() == r.mine.size());
      require_same(r, single);
    }
  }
}

TEST_CASE("a failed item reaches every rank as the same exception", "[mpi]") {
  const auto comm = world();
  auto ps = make_problems(7);
  ps[5].times[1] = ps[5].times[2];  // not strictly increasing: a solver_error in item 5
  auto item = [&](std::size_t i) {
    return tlo::item(
        tlo::observation_loss(obs, zi, tlo::each(yi, ps[i].rows), tlo::reduction::mean),
        ps[i].z0, ps[i].times);
  };
  auto expected = [&](auto&& run) {
    try {
      run();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(nothing thrown)");
  };
  const auto single_what = expected([&] {
    tlo::odeint_adjoint_batch(model, 7, item, lotka_params, opts(),
                              ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  });
  REQUIRE(single_what.rfind("batch item 5: ", 0) == 0);
  try {
    tlm::odeint_adjoint_batch(comm, model, 7, item, lotka_params, opts(),
                              ode::runge_kutta_dopri5<state>{}, {.threads = 2});
    FAIL("no exception");
  } catch (const tlo::solver_error& e) {
    CHECK(e.kind() == tlo::failure::times_out_of_order);
    CHECK(std::string(e.what()) == single_what);
  }

  // Two failures on different ranks: the lower index wins, a std::invalid_argument stays one.
  ps[1].rows.pop_back();  // one data row fewer than times
  try {
    tlm::odeint_adjoint_batch(comm, model, 7, item, lotka_params, opts(),
                              ode::runge_kutta_dopri5<state>{}, {.threads = 1});
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).rfind("batch item 1: ", 0) == 0);
  }

  // Nothing is left in flight: the next batch on the same communicator runs normally.
  ps = make_problems(7);
  const auto single = tlo::odeint_adjoint_batch(model, 7, item, lotka_params, opts(),
                                                ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  const auto r = tlm::odeint_adjoint_batch(comm, model, 7, item, lotka_params, opts(),
                                           ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  require_same(r, single);
}

