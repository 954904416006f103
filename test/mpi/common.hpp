#pragma once
// What the MPI tests share: the Lotka-Volterra batch of the single-process batch tests, and
// bitwise comparisons of a batch result with the single-process one.
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tapeless/mpi.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <unistd.h>
#include <vector>

#include "../odeint/lotka_model.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace tlm = tapeless::mpi;
namespace ode = boost::numeric::odeint;

namespace mpi_test {
using namespace lotka;
constexpr auto zi = tl::var<"zi", 2>;
constexpr auto yi = tl::var<"yi", 2>;
using state = std::array<double, 2>;
using vec2 = tl::vector<double, 2>;
const auto obs = tl::sum(tl::square(zi - yi));
const auto lotka_params = tl::at(alpha = 1.1, beta = 0.6, gamma_ = 0.9, delta = 0.45);

struct problem {
  vec2 z0;
  std::vector<double> times;
  std::vector<vec2> rows;
};
// Items that differ in initial state, number and spacing of times and data.
inline std::vector<problem> make_problems(std::size_t n) {
  std::vector<problem> ps;
  for (std::size_t i = 0; i < n; ++i) {
    problem p;
    p.z0 = i == 3 ? vec2{{6.0, 0.2}} : vec2{{1.0 + 0.1 * double(i), 0.8 + 0.05 * double(i)}};
    for (std::size_t j = 0; j < 3 + i % 4; ++j) {
      p.times.push_back(0.4 * double(j) + 0.05 * double(j * j % 3));
      p.rows.push_back(vec2{{1.0 + 0.2 * double(j % 3), 1.0 - 0.1 * double(j % 2)}});
    }
    ps.push_back(std::move(p));
  }
  return ps;
}
inline tlo::options opts() {
  tlo::options o;
  o.rtol = o.atol = 1e-9;
  return o;
}

template <class T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}
template <class Bundle>
bool same_bundle(const Bundle& a, const Bundle& b) {
  return tlm::fingerprint(a) == tlm::fingerprint(b) && a == b;
}

template <class M, class S>
void require_same(const M& m, const S& s) {
  REQUIRE(m.losses.size() == s.losses.size());
  for (std::size_t i = 0; i < s.losses.size(); ++i) CHECK(same_bits(m.losses[i], s.losses[i]));
  CHECK(same_bits(m.loss_sum, s.loss_sum));
  CHECK(same_bits(m.loss_mean, s.loss_mean));
  CHECK(same_bundle(m.dparams_sum, s.dparams_sum));
  CHECK(same_bundle(m.dparams_mean, s.dparams_mean));
  CHECK(same_bits(m.stats, s.stats));
  for (std::size_t k = 0; k < m.items.size(); ++k) {
    const auto& mine = m.items[k];
    const auto& one = s.items[m.mine.first + k];
    CHECK(same_bits(mine.loss, one.loss));
    CHECK(mine.dz0 == one.dz0);
    CHECK(mine.dtimes == one.dtimes);
  }
}

inline boost::mpi::communicator world() { return {}; }
}  // namespace mpi_test

