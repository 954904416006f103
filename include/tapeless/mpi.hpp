#pragma once
// <tapeless/mpi.hpp>: data-parallel training on MPI, through Boost.MPI (opt-in: link Boost::mpi
// and MPI::MPI_CXX; nothing else in tapeless includes this header).
//
//   boost::mpi::environment env(argc, argv);
//   boost::mpi::communicator world;
//   tapeless::mpi::broadcast(world, params);          // rank 0's parameters everywhere
//   auto r = tapeless::mpi::odeint_adjoint_batch(world, model, B, item, params, opts, stepper,
//                                                tlo::batch_options{.threads = 2});
//   optimizer.step(params, r.dparams_mean);          // the same step on every rank
//
// How a batch is split and reduced (the whole policy, here only):
//  - rank r of N solves the contiguous block items_of(B, r, N) of the items (the first B mod N
//    ranks one item more), on its own threads, with odeint::odeint_adjoint_batch's pool;
//  - the sums are taken in item order 0, 1, ..., B-1, exactly as the single-process batch takes
//    them: rank 0 sums its block and sends the running sums (the loss and the P gradient values)
//    to rank 1, which adds its block in order and passes them on; the last rank broadcasts the
//    totals. Every rank then holds the same bits as odeint::odeint_adjoint_batch on one process,
//    for any number of ranks and threads;
//  - a failed item ends the batch on every rank: the lowest failing index is agreed on first (one
//    all-reduce), and its exception, of the same type and with "batch item i: ", is rethrown on
//    every rank, so no rank waits in a collective the others never reach.
// Per batch that is: one all-reduce of the failure index, N - 1 point-to-point messages of P + 1
// values along the ranks and one broadcast of P + 1 values, one all-gather of the B losses and
// one all-reduce of the solver statistics.
#include <boost/mpi/collectives/all_gatherv.hpp>
#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/operations.hpp>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "odeint.hpp"
#include "train/checkpoint.hpp"

namespace tapeless::mpi {

// The items [first, last) that one rank solves.
struct item_range {
  std::size_t first = 0;
  std::size_t last = 0;
  std::size_t size() const { return last - first; }
};

// Rank `rank` of `ranks` takes a contiguous block; the first count % ranks ranks take one more.
inline item_range items_of(std::size_t count, int rank, int ranks) {
  const auto r = std::size_t(rank), n = std::size_t(ranks);
  const std::size_t base = count / n, extra = count % n;
  const std::size_t first = r * base + std::min(r, extra);
  return {first, first + base + (r < extra ? 1 : 0)};
}

// What mpi::odeint_adjoint_batch returns on every rank. The sums, means, losses and statistics
// are the whole batch's (bitwise those of odeint::odeint_adjoint_batch on one process); `items`
// holds this rank's own items' full results, items[k] being item mine.first + k.
template <class Item, class Grad, class V>
struct batch_result : odeint::batch_result<Item, Grad, V> {
  item_range mine;
};

namespace detail {

// A bundle's values, one after the other in key order, as one flat run of numbers.
template <class Bundle>
constexpr std::size_t flat_size() {
  std::size_t n = 0;
  boost::hana::for_each(boost::hana::keys(Bundle{}), [&](auto key) {
    n += size_of_value_v<std::remove_cvref_t<decltype(std::declval<Bundle&>()[key])>>;
  });
  return n;
}
template <class Bundle, class V>
void add_flat(V* out, const Bundle& b) {  // out[k] += b's k-th number
  for_each_binding(b, [&](auto, const auto& v) {
    for (std::size_t i = 0; i < size_of_value_v<decltype(v)>; ++i) *out++ += elem(v, i);
  });
}
template <class Bundle, class V>
void copy_flat(V* out, const Bundle& b) {
  for_each_binding(b, [&](auto, const auto& v) {
    for (std::size_t i = 0; i < size_of_value_v<decltype(v)>; ++i) *out++ = elem(v, i);
  });
}
template <class Bundle, class V>
void unflatten(Bundle& b, const V* in) {
  for_each_binding(b, [&](auto, auto& v) {
    for (std::size_t i = 0; i < size_of_value_v<decltype(v)>; ++i) elem(v, i) = *in++;
  });
}

inline std::vector<int> block_sizes(std::size_t count, int ranks) {
  std::vector<int> sizes(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) sizes[std::size_t(r)] = int(items_of(count, r, ranks).size());
  return sizes;
}
inline int owner_of(std::size_t item, std::size_t count, int ranks) {
  for (int r = 0; r < ranks; ++r)
    if (item < items_of(count, r, ranks).last) return r;
  return ranks - 1;
}

// Sends a string from `root` to every rank (as raw characters: no Boost.Serialization needed).
inline void broadcast_string(const boost::mpi::communicator& comm, std::string& s, int root) {
  unsigned long long n = s.size();
  boost::mpi::broadcast(comm, n, root);
  s.resize(std::size_t(n));
  if (n) boost::mpi::broadcast(comm, s.data(), int(n), root);
}

// The failure of item `index`, owned by rank `owner`, thrown the same way on every rank.
[[noreturn]] inline void throw_everywhere(const boost::mpi::communicator& comm, std::size_t index,
                                          int owner, const odeint::detail::item_failure* mine) {
  odeint::detail::item_failure f;
  if (comm.rank() == owner) f = *mine;
  int kinds[2] = {int(f.what_type), int(f.kind)};
  boost::mpi::broadcast(comm, kinds, 2, owner);
  boost::mpi::broadcast(comm, f.time, owner);
  broadcast_string(comm, f.message, owner);
  f.what_type = odeint::detail::item_failure::type(kinds[0]);
  f.kind = odeint::failure(kinds[1]);
  odeint::detail::throw_item_failure(index, f);
}

}  // namespace detail

// odeint::odeint_adjoint_batch split across the ranks of `comm`: every rank calls it with the same
// arguments (the same parameters: see broadcast), item(i) is only called for the rank's own items.
template <class Model, class ItemFn, class Params, class Stepper, class AdjointStepper>
auto odeint_adjoint_batch(const boost::mpi::communicator& comm, const Model& model,
                          std::size_t count, ItemFn&& item_of, const Params& params,
                          const odeint::options& opt, const Stepper& stepper,
                          const AdjointStepper& adjoint_stepper,
                          const odeint::batch_options& bo) {
  using It = std::remove_cvref_t<decltype(item_of(std::size_t{0}))>;
  auto one = [&](const It& it) {
    return odeint::odeint_adjoint(model, it.loss, *it.z0, *it.times, params, opt, stepper,
                                  adjoint_stepper);
  };
  using R = decltype(one(std::declval<const It&>()));
  using V = decltype(R::loss);
  using Grad = decltype(R::dparams);
  static_assert(std::is_floating_point_v<V>,
                "tapeless::mpi::odeint_adjoint_batch: the loss must be a float or a double");
  if (count == 0)
    throw std::invalid_argument("tapeless::mpi::odeint_adjoint_batch: the batch is empty");
  const int rank = comm.rank(), ranks = comm.size();
  const item_range mine = items_of(count, rank, ranks);

  // This rank's items; then agree on the lowest failing item before any other collective.
  std::vector<std::optional<R>> slots(mine.size());
  const auto failed = odeint::detail::run_items(mine.size(), bo, [&](std::size_t k) {
    slots[k].emplace(one(item_of(mine.first + k)));
  });
  // (Collectives use unsigned long long: Boost 1.74's minimum on unsigned long gives wrong results.)
  using index = unsigned long long;
  constexpr index none = std::numeric_limits<index>::max();
  const index my_failure = failed ? index(mine.first + failed->first) : none;
  index first_failure = none;
  boost::mpi::all_reduce(comm, my_failure, first_failure, boost::mpi::minimum<index>());
  if (first_failure != none) {
    std::optional<odeint::detail::item_failure> f;
    if (failed && my_failure == first_failure) f = odeint::detail::describe_failure(failed->second);
    const auto i = std::size_t(first_failure);
    detail::throw_everywhere(comm, i, detail::owner_of(i, count, ranks), f ? &*f : nullptr);
  }

  // The running sums [loss, dparams...] along the ranks, each adding its items in order.
  constexpr std::size_t P = detail::flat_size<Grad>();
  std::vector<V> sums(P + 1);
  if (rank > 0) comm.recv(rank - 1, 0, sums.data(), int(P + 1));
  for (std::size_t k = 0; k < mine.size(); ++k) {
    const R& r = *slots[k];
    if (rank == 0 && k == 0) {
      sums[0] = V(0);
      detail::copy_flat(sums.data() + 1, r.dparams);  // the sum starts as item 0's gradient
    } else {
      detail::add_flat(sums.data() + 1, r.dparams);
    }
    sums[0] += r.loss;
  }
  if (rank + 1 < ranks) comm.send(rank + 1, 0, sums.data(), int(P + 1));
  boost::mpi::broadcast(comm, sums.data(), int(P + 1), ranks - 1);

  batch_result<R, Grad, V> out{{{}, std::vector<V>(count), sums[0], V(0), Grad{}, Grad{}, {}}, mine};
  detail::unflatten(out.dparams_sum, sums.data() + 1);
  const V inv = V(1) / V(count);
  out.loss_mean = out.loss_sum * inv;
  out.dparams_mean = out.dparams_sum;
  for_each_binding(out.dparams_mean, [&](auto, auto& v) { odeint::detail::scale_value(v, inv); });

  std::vector<V> my_losses;
  odeint::solve_stats my_stats;
  out.items.reserve(mine.size());
  for (auto& s : slots) {
    my_losses.push_back(s->loss);
    odeint::add_stats(my_stats, s->stats);
    out.items.push_back(std::move(*s));
  }
  const V none_here = V(0);  // (Boost.MPI reads one value through the pointer even for none)
  boost::mpi::all_gatherv(comm, my_losses.empty() ? &none_here : my_losses.data(),
                          out.losses.data(), detail::block_sizes(count, ranks));
  constexpr std::size_t n = sizeof(odeint::solve_stats) / sizeof(std::size_t);
  static_assert(sizeof(odeint::solve_stats) == n * sizeof(std::size_t));  // counts only
  std::size_t fields[n];
  std::memcpy(fields, &my_stats, sizeof fields);
  index counts[n], totals[n];
  std::copy(fields, fields + n, counts);
  boost::mpi::all_reduce(comm, counts, int(n), totals, std::plus<index>());
  std::copy(totals, totals + n, fields);
  std::memcpy(&out.stats, fields, sizeof fields);
  return out;
}

// The same with the forward stepper for both directions.
template <class Model, class ItemFn, class Params, class Stepper>
auto odeint_adjoint_batch(const boost::mpi::communicator& comm, const Model& model,
                          std::size_t count, ItemFn&& item_of, const Params& params,
                          const odeint::options& opt, const Stepper& stepper,
                          const odeint::batch_options& bo = {}) {
  return mpi::odeint_adjoint_batch(comm, model, count, std::forward<ItemFn>(item_of), params, opt,
                                   stepper, stepper, bo);
}

// Every value of the bundle as rank `root` holds it, on every rank.
template <class Bundle>
void broadcast(const boost::mpi::communicator& comm, Bundle& bundle, int root = 0) {
  for_each_binding(bundle, [&](auto, auto& v) {
    using Value = std::remove_cvref_t<decltype(v)>;
    static_assert(std::is_arithmetic_v<Value> || requires { Value::size; },
                  "tapeless::mpi::broadcast: a bundle's values must be held by value");
    if constexpr (std::is_arithmetic_v<Value>)
      boost::mpi::broadcast(comm, v, root);
    else
      boost::mpi::broadcast(comm, v.data.data(), int(Value::size), root);
  });
}

// A 64-bit FNV-1a hash of the bundle's bits (equal bundles, equal hashes).
template <class Bundle>
std::uint64_t fingerprint(const Bundle& bundle) {
  std::uint64_t h = 14695981039346656037ull;
  for_each_binding(bundle, [&](auto, const auto& v) {
    for (std::size_t i = 0; i < size_of_value_v<decltype(v)>; ++i) {
      const auto x = elem(v, i);
      unsigned char bytes[sizeof x];
      std::memcpy(bytes, &x, sizeof x);
      for (const unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    }
  });
  return h;
}

// Throws std::logic_error on every rank unless every rank holds the same bits in `bundle`.
template <class Bundle>
void check_same_on_all_ranks(const boost::mpi::communicator& comm, const Bundle& bundle,
                             const std::string& what = "the parameters") {
  const unsigned long long h = fingerprint(bundle);
  unsigned long long lo = 0, hi = 0;
  boost::mpi::all_reduce(comm, h, lo, boost::mpi::minimum<unsigned long long>());
  boost::mpi::all_reduce(comm, h, hi, boost::mpi::maximum<unsigned long long>());
  if (lo != hi)
    throw std::logic_error("tapeless::mpi: " + what + " differ across the " +
                           std::to_string(comm.size()) + " ranks (this rank's fingerprint " +
                           std::to_string(h) + ")");
}

// save_checkpoint from rank 0 (every rank holds the same state); an error reaches every rank.
template <class... T>
void save_checkpoint(const boost::mpi::communicator& comm, const std::filesystem::path& file,
                     const checkpoint_entry<T>&... entries) {
  std::string error;
  if (comm.rank() == 0) try {
      tapeless::save_checkpoint(file, entries...);
    } catch (const checkpoint_error& e) {
      error = e.what();
    }
  detail::broadcast_string(comm, error, 0);
  if (!error.empty()) throw checkpoint_error(error);
}

// Rank 0 reads `file` and sends its bytes to every rank, and every rank restores the entries from
// them (all or nothing, as tapeless::load_checkpoint). Returns false on every rank, changing
// nothing, when rank 0 finds no file; a file that cannot be read or restored throws on every rank.
template <class... T>
bool load_checkpoint_if_present(const boost::mpi::communicator& comm,
                                const std::filesystem::path& file,
                                const checkpoint_entry<T>&... entries) {
  int present = 0;
  std::string bytes, error;
  if (comm.rank() == 0) {
    present = std::filesystem::exists(file) ? 1 : 0;
    if (present) try {
        bytes = read_checkpoint_bytes(file);
      } catch (const checkpoint_error& e) {
        error = e.what();
      }
  }
  boost::mpi::broadcast(comm, present, 0);
  if (!present) return false;
  detail::broadcast_string(comm, error, 0);
  if (!error.empty()) throw checkpoint_error(error);
  detail::broadcast_string(comm, bytes, 0);
  decode_checkpoint(bytes, file.string(), entries...);
  return true;
}

}  // namespace tapeless::mpi
