// tapeless against hand-written gradient code, in one binary, ratios from the same run.
//
//   (a) seed    the seed's loss mean(y - (w*x + b)) over 2x2: value and gradient wrt w and b
//   (b) lse10   log(exp(x0) + ... + exp(x9)), 20 scalar operations: value and gradient wrt x0..x9
//   (c) mlp50   value and vjp of W2 tanh(W1 z + b1) + b2, z of 2, hidden width 50, wrt z and all
//               four parameters
//   (d) mlp256  the same at hidden width 256
//   (e) mlp512  the same at hidden width 512 (W1, W2 and their gradients on the heap)
//   (f) lse10v  log(sum(exp(x))) with x a vector of 10: value and gradient, against the same
//               scalar loop as (b)
//   (g) lse10e  the same tapeless code against a hand version using Eigen's vectorised exp
//               (built when Eigen is found: TAPELESS_BENCH_EIGEN)
//   (h)-(j)     (c)-(e) with tapeless writing into a bundle made once (value_and_vjp_into), as
//               the hand-written side writes into its struct, instead of returning a new bundle
//
// The binaries named bench_gradients_simd_* are built with tapeless::simd (TAPELESS_SIMD=1):
// there the element-wise functions of tensors (the exp of (f), (g), the tanh of (c)-(e)) run on
// SIMD kernels, while the hand-written sides stay as they are.
//
// Both sides compute the same thing (the value and the gradient) with the same algorithm and the
// same floating-point operations in the same order; main() checks that they agree before timing.
// The hand-written side is what a competent engineer writes: plain loops, one pass where one
// pass does, results written straight into the caller's struct.
//
// Keeping results alive: Google Benchmark 1.7.1's DoNotOptimize on a floating-point lvalue
// corrupts it under g++ 12 (its "+m,r" constraint lets g++ move a double through a general
// register). Instead, each iteration passes the address of the inputs and of the result to an
// empty asm statement that clobbers memory: the compiler must reload the inputs, recompute, and
// store the whole result every iteration, on both sides alike.
//
// Two measurements, both printed:
//  1. Google Benchmark, one benchmark per side ("<case>/tapeless", "<case>/hand"); run it with
//     --benchmark_repetitions=N --benchmark_enable_random_interleaving=true, and the summary
//     gives the median and the minimum over the repetitions, and their ratios.
//  2. A paired measurement (skip it with --no_paired): rounds of back-to-back batches, one of
//     each side in alternating order, each batch about 50 us; the ratio is taken per round and
//     the median over rounds is reported. On a shared machine the load changes from second to
//     second; a per-round ratio cancels that, so this is the figure to quote.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <tapeless/tapeless.hpp>
#ifdef TAPELESS_BENCH_EIGEN
#include <Eigen/Core>
#endif

#include "paired.hpp"

namespace tl = tapeless;

namespace {

// ---- helpers (escape, lcg, quantile: benchmark/paired.hpp) ----------------------------------
using bench::escape;
using bench::lcg;
using bench::quantile;
template <class V>
void fill(V& v, lcg& r, double lo = -1.0, double hi = 1.0) {
  for (auto& x : v.data) x = r(lo, hi);
}

int check_failures = 0;
void check_close(const char* what, double got, double want) {
  const double tol = 1e-12 * std::max(1.0, std::fabs(want));
  if (!(std::fabs(got - want) <= tol)) {
    std::fprintf(stderr, "check failed: %s: tapeless %.17g, hand-written %.17g\n", what, got, want);
    ++check_failures;
  }
}
template <class V>
void check_close(const char* what, const V& got, const V& want) {
  for (std::size_t i = 0; i < got.data.size(); ++i) check_close(what, got.data[i], want.data[i]);
}

// Each case: inputs, make_inputs(), tapeless(in) -> result, hand(in, hand_result&), check().
// Both sides' wrappers are forced inline into the timing loop, so that what is measured is the
// code itself and not the compiler's choice about inlining this file's own wrappers.
#define TL_BENCH_INLINE __attribute__((always_inline)) inline

// ---- (a) the seed's loss ---------------------------------------------------------------------
struct seed {
  using m22 = tl::matrix<double, 2, 2>;
  static constexpr auto w = tl::var<"w", 2, 2>;
  static constexpr auto b = tl::var<"b", 2, 2>;
  static constexpr auto x = tl::var<"x", 2, 2>;
  static constexpr auto y = tl::var<"y", 2, 2>;
  static constexpr auto loss = tl::mean(y - (w * x + b));

  struct inputs {
    m22 w, b, x, y;
  };
  static inputs make_inputs() {
    lcg r;
    inputs in{};
    fill(in.w, r), fill(in.b, r), fill(in.x, r), fill(in.y, r);
    return in;
  }

  TL_BENCH_INLINE static auto tapeless(const inputs& in) {
    return tl::value_and_grad(loss, tl::wrt(w, b), w = std::cref(in.w), b = std::cref(in.b),
                              x = std::cref(in.x), y = std::cref(in.y));
  }

  struct hand_result {
    double value;
    m22 gw, gb;
  };
  TL_BENCH_INLINE static void hand(const inputs& in, hand_result& r) {
    double s = 0.0;
    for (std::size_t i = 0; i < 4; ++i) s += in.y[i] - (in.w[i] * in.x[i] + in.b[i]);
    r.value = s / 4;
    // d/dw mean(y - (w x + b)) = -x/4, d/db = -1/4
    for (std::size_t i = 0; i < 4; ++i) {
      r.gw[i] = -0.25 * in.x[i];
      r.gb[i] = -0.25;
    }
  }

  static void check() {
    const inputs in = make_inputs();
    const auto t = tapeless(in);
    hand_result h{};
    hand(in, h);
    check_close("seed value", t.value, h.value);
    check_close("seed dw", t.gradient[w], h.gw);
    check_close("seed db", t.gradient[b], h.gb);
  }
};

// Hand-written log-sum-exp of 10 inputs and its gradient, the softmax (no max shift, as the
// expressions): the scalar side of (b) and (f).
template <class X, class R>
TL_BENCH_INLINE void hand_lse10(const X& x, R& r) {
  std::array<double, 10> e;
  double s = 0.0;
  for (std::size_t i = 0; i < 10; ++i) {
    e[i] = std::exp(x[i]);
    s += e[i];
  }
  r.value = std::log(s);
  const double inv = 1.0 / s;
  for (std::size_t i = 0; i < 10; ++i) r.g[i] = inv * e[i];
}

// ---- (b) log-sum-exp over 10 scalar inputs: 10 exp, 9 +, 1 log --------------------------------
struct lse {
  static constexpr auto x0 = tl::var<"x0">;
  static constexpr auto x1 = tl::var<"x1">;
  static constexpr auto x2 = tl::var<"x2">;
  static constexpr auto x3 = tl::var<"x3">;
  static constexpr auto x4 = tl::var<"x4">;
  static constexpr auto x5 = tl::var<"x5">;
  static constexpr auto x6 = tl::var<"x6">;
  static constexpr auto x7 = tl::var<"x7">;
  static constexpr auto x8 = tl::var<"x8">;
  static constexpr auto x9 = tl::var<"x9">;
  static constexpr auto f =
      tl::log(tl::exp(x0) + tl::exp(x1) + tl::exp(x2) + tl::exp(x3) + tl::exp(x4) + tl::exp(x5) +
              tl::exp(x6) + tl::exp(x7) + tl::exp(x8) + tl::exp(x9));

  struct inputs {
    std::array<double, 10> x;
  };
  static inputs make_inputs() {
    lcg r;
    inputs in{};
    for (auto& v : in.x) v = r(-2.0, 2.0);
    return in;
  }

  TL_BENCH_INLINE static auto tapeless(const inputs& in) {
    const auto& v = in.x;
    return tl::value_and_grad(f, tl::wrt(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9), x0 = v[0],
                              x1 = v[1], x2 = v[2], x3 = v[3], x4 = v[4], x5 = v[5], x6 = v[6],
                              x7 = v[7], x8 = v[8], x9 = v[9]);
  }

  struct hand_result {
    double value;
    std::array<double, 10> g;
  };
  TL_BENCH_INLINE static void hand(const inputs& in, hand_result& r) {
    // Same algorithm as the expression (no max shift on either side): the softmax.
    hand_lse10(in.x, r);
  }

  static void check() {
    const inputs in = make_inputs();
    const auto t = tapeless(in);
    hand_result h{};
    hand(in, h);
    check_close("lse value", t.value, h.value);
    const auto& g = t.gradient;
    const double tg[10] = {g[x0], g[x1], g[x2], g[x3], g[x4], g[x5], g[x6], g[x7], g[x8], g[x9]};
    for (std::size_t i = 0; i < 10; ++i) check_close("lse dx", tg[i], h.g[i]);
  }
};

// ---- (f), (g) log-sum-exp of a vector of 10: one exp node over the whole vector ---------------
// The tapeless side is the same for both; (f) compares it with the scalar loop of (b), (g) with
// Eigen's vectorised exp (the same algorithm: no max shift, gradient exp(x) / sum).
struct lse_vec_tapeless {
  static constexpr auto x = tl::var<"x", 10>;
  static constexpr auto f = tl::log(tl::sum(tl::exp(x)));
  struct inputs {
    tl::vector<double, 10> x;
  };
  static inputs make_inputs() {
    lcg r;
    inputs in{};
    fill(in.x, r, -2.0, 2.0);
    return in;
  }
  TL_BENCH_INLINE static auto tapeless(const inputs& in) {
    return tl::value_and_grad(f, tl::wrt(x), x = in.x);
  }
  struct hand_result {
    double value;
    tl::vector<double, 10> g;
  };
  template <class Case>
  static void check_against(const char* name) {
    const inputs in = make_inputs();
    const auto t = tapeless(in);
    hand_result h{};
    Case::hand(in, h);
    check_close(name, t.value, h.value);
    check_close(name, t.gradient[x], h.g);
  }
};

struct lse_vec : lse_vec_tapeless {
  TL_BENCH_INLINE static void hand(const inputs& in, hand_result& r) { hand_lse10(in.x, r); }
  static void check() { check_against<lse_vec>("lse10v"); }
};

#ifdef TAPELESS_BENCH_EIGEN
struct lse_vec_eigen : lse_vec_tapeless {
  TL_BENCH_INLINE static void hand(const inputs& in, hand_result& r) {
    using A = Eigen::Array<double, 10, 1>;
    const A e = Eigen::Map<const A>(in.x.data.data()).exp();
    const double s = e.sum();
    r.value = std::log(s);
    Eigen::Map<A>(r.g.data.data()) = e * (1.0 / s);
  }
  static void check() { check_against<lse_vec_eigen>("lse10e"); }
};
#endif

// ---- (c), (d) vjp of a one-hidden-layer MLP --------------------------------------------------
template <std::size_t H>
struct mlp {
  static constexpr auto z = tl::var<"z", 2>;
  static constexpr auto W1 = tl::var<"W1", H, 2>;
  static constexpr auto b1 = tl::var<"b1", H>;
  static constexpr auto W2 = tl::var<"W2", 2, H>;
  static constexpr auto b2 = tl::var<"b2", 2>;
  static constexpr auto f = tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1)) + b2;

  struct inputs {
    tl::vector<double, 2> z, u;
    tl::matrix<double, H, 2> W1;
    tl::vector<double, H> b1;
    tl::matrix<double, 2, H> W2;
    tl::vector<double, 2> b2;
  };
  static inputs make_inputs() {
    lcg r;
    inputs in{};
    fill(in.z, r), fill(in.u, r), fill(in.W1, r), fill(in.b1, r), fill(in.W2, r), fill(in.b2, r);
    return in;
  }

  // The parameters are bound by reference (std::cref), as the API suggests for large values.
  TL_BENCH_INLINE static auto tapeless(const inputs& in) {
    return tl::value_and_vjp(f, in.u, tl::wrt(z, W1, b1, W2, b2), z = in.z, W1 = std::cref(in.W1),
                             b1 = std::cref(in.b1), W2 = std::cref(in.W2), b2 = in.b2);
  }

  struct hand_result {
    tl::vector<double, 2> value;
    tl::vector<double, 2> gz;
    tl::matrix<double, H, 2> gW1;
    tl::vector<double, H> gb1;
    tl::matrix<double, 2, H> gW2;
    tl::vector<double, 2> gb2;
  };
  // Forward: a = W1 z + b1, h = tanh(a), y = W2 h + b2. Backward with cotangent u:
  // gb2 = u, gW2 = u h^T, gh = W2^T u, ga = gh (1 - h^2), gb1 = ga, gW1 = ga z^T, gz = W1^T ga.
  TL_BENCH_INLINE static void hand(const inputs& in, hand_result& r) {
    std::array<double, H> h;
    for (std::size_t i = 0; i < H; ++i)
      h[i] = std::tanh(in.W1(i, 0) * in.z[0] + in.W1(i, 1) * in.z[1] + in.b1[i]);
    for (std::size_t k = 0; k < 2; ++k) {
      double y = 0.0;
      for (std::size_t i = 0; i < H; ++i) y += in.W2(k, i) * h[i];
      r.value[k] = y + in.b2[k];
    }
    r.gb2 = in.u;
    for (std::size_t k = 0; k < 2; ++k)
      for (std::size_t i = 0; i < H; ++i) r.gW2(k, i) = in.u[k] * h[i];
    double gz0 = 0.0, gz1 = 0.0;
    for (std::size_t i = 0; i < H; ++i) {
      const double gh = in.u[0] * in.W2(0, i) + in.u[1] * in.W2(1, i);
      const double ga = gh * (1.0 - h[i] * h[i]);
      r.gb1[i] = ga;
      r.gW1(i, 0) = ga * in.z[0];
      r.gW1(i, 1) = ga * in.z[1];
      gz0 += ga * in.W1(i, 0);
      gz1 += ga * in.W1(i, 1);
    }
    r.gz[0] = gz0;
    r.gz[1] = gz1;
  }

  static void check() {
    const inputs in = make_inputs();
    const auto t = tapeless(in);
    hand_result h{};
    hand(in, h);
    check_close("mlp value", t.value, h.value);
    check_close("mlp dz", t.gradient[z], h.gz);
    check_close("mlp dW1", t.gradient[W1], h.gW1);
    check_close("mlp db1", t.gradient[b1], h.gb1);
    check_close("mlp dW2", t.gradient[W2], h.gW2);
    check_close("mlp db2", t.gradient[b2], h.gb2);
  }
};

// (h), (i), (j): the same vjp written into a bundle made once (vjp_into), as the hand-written
// side writes into its result struct: no zero fill, no heap block per call at width 512.
template <std::size_t H>
struct mlp_into : mlp<H> {
  using m = mlp<H>;
  using typename m::inputs;
  using tapeless_result = std::remove_cvref_t<decltype(m::tapeless(m::make_inputs()).gradient)>;
  TL_BENCH_INLINE static auto tapeless_into(const inputs& in, tapeless_result& g) {
    return tl::value_and_vjp_into(g, m::f, in.u, tl::wrt(m::z, m::W1, m::b1, m::W2, m::b2),
                                  m::z = in.z, m::W1 = std::cref(in.W1), m::b1 = std::cref(in.b1),
                                  m::W2 = std::cref(in.W2), m::b2 = in.b2);
  }
  static void check() {
    const inputs in = m::make_inputs();
    tapeless_result g{};
    const auto value = tapeless_into(in, g);
    typename m::hand_result h{};
    m::hand(in, h);
    check_close("mlp_into value", value, h.value);
    check_close("mlp_into dz", g[m::z], h.gz);
    check_close("mlp_into dW1", g[m::W1], h.gW1);
    check_close("mlp_into db1", g[m::b1], h.gb1);
    check_close("mlp_into dW2", g[m::W2], h.gW2);
    check_close("mlp_into db2", g[m::b2], h.gb2);
  }
};

// ---- the two sides, timed the same way ------------------------------------------------------
template <class Case>
struct into_result {};
template <class Case>
  requires requires { typename Case::tapeless_result; }
struct into_result<Case> {
  typename Case::tapeless_result tr{};
};

template <class Case>
struct side : into_result<Case> {
  typename Case::inputs in = Case::make_inputs();
  typename Case::hand_result hr{};

  __attribute__((always_inline)) void tapeless_once() {
    escape(&in);
    if constexpr (requires { typename Case::tapeless_result; }) {
      auto v = Case::tapeless_into(in, this->tr);
      escape(&v);
      escape(&this->tr);
    } else {
      auto r = Case::tapeless(in);
      escape(&r);
    }
  }
  __attribute__((always_inline)) void hand_once() {
    escape(&in);
    Case::hand(in, hr);
    escape(&hr);
  }
  __attribute__((noinline)) void tapeless(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) tapeless_once();
  }
  __attribute__((noinline)) void hand(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) hand_once();
  }
};

template <class Case>
void bm_tapeless(benchmark::State& state) {
  side<Case> s;
  for (auto _ : state) s.tapeless_once();
}
template <class Case>
void bm_hand(benchmark::State& state) {
  side<Case> s;
  for (auto _ : state) s.hand_once();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
double minimum(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

// ---- registration: "<case>/tapeless" and "<case>/hand" are paired in the summaries ----------
// Each also reports the minimum over repetitions (with --benchmark_repetitions).
#define TL_REGISTER(fn, name) BENCHMARK(fn)->Name(name)->ComputeStatistics("min", minimum)
TL_REGISTER(bm_tapeless<seed>, "a_seed/tapeless");
TL_REGISTER(bm_hand<seed>, "a_seed/hand");
TL_REGISTER(bm_tapeless<lse>, "b_lse10/tapeless");
TL_REGISTER(bm_hand<lse>, "b_lse10/hand");
TL_REGISTER(bm_tapeless<mlp<50>>, "c_mlp50_vjp/tapeless");
TL_REGISTER(bm_hand<mlp<50>>, "c_mlp50_vjp/hand");
TL_REGISTER(bm_tapeless<mlp<256>>, "d_mlp256_vjp/tapeless");
TL_REGISTER(bm_hand<mlp<256>>, "d_mlp256_vjp/hand");
TL_REGISTER(bm_tapeless<mlp<512>>, "e_mlp512_vjp/tapeless");
TL_REGISTER(bm_hand<mlp<512>>, "e_mlp512_vjp/hand");
TL_REGISTER(bm_tapeless<mlp_into<50>>, "h_mlp50_vjp_into/tapeless");
TL_REGISTER(bm_hand<mlp_into<50>>, "h_mlp50_vjp_into/hand");
TL_REGISTER(bm_tapeless<mlp_into<256>>, "i_mlp256_vjp_into/tapeless");
TL_REGISTER(bm_hand<mlp_into<256>>, "i_mlp256_vjp_into/hand");
TL_REGISTER(bm_tapeless<mlp_into<512>>, "j_mlp512_vjp_into/tapeless");
TL_REGISTER(bm_hand<mlp_into<512>>, "j_mlp512_vjp_into/hand");
TL_REGISTER(bm_tapeless<lse_vec>, "f_lse10v/tapeless");
TL_REGISTER(bm_hand<lse_vec>, "f_lse10v/hand");
#ifdef TAPELESS_BENCH_EIGEN
TL_REGISTER(bm_tapeless<lse_vec_eigen>, "g_lse10e/tapeless");
TL_REGISTER(bm_hand<lse_vec_eigen>, "g_lse10e/hand");
#endif

// Prints the usual console output, then a summary: per case, the median and the minimum CPU time
// per call over the repetitions of each side, and their ratios. Works from the repetitions, or
// from the "median" and "min" aggregates when only aggregates are reported.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& run : reports) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Iteration)
        times_[name].push_back(run.GetAdjustedCPUTime());
      else if (run.aggregate_name == "median" || run.aggregate_name == "min")
        aggregates_[name][run.aggregate_name] = run.GetAdjustedCPUTime();
    }
    ConsoleReporter::ReportRuns(reports);
  }

  void print_ratios() const {
    std::printf("\nGoogle Benchmark, CPU time per call over the repetitions (ns)\n");
    std::printf("%-18s %12s %12s %8s %12s %12s %8s\n", "case", "tapeless", "hand", "ratio",
                "min tapeless", "min hand", "ratio");
    for (const char* c : {"a_seed", "b_lse10", "c_mlp50_vjp", "d_mlp256_vjp", "e_mlp512_vjp",
                          "f_lse10v", "g_lse10e", "h_mlp50_vjp_into", "i_mlp256_vjp_into",
                          "j_mlp512_vjp_into"}) {
      const std::string t = std::string(c) + "/tapeless", h = std::string(c) + "/hand";
      const double mt = stat(t, "median"), mh = stat(h, "median");
      const double nt = stat(t, "min"), nh = stat(h, "min");
      if (mt > 0 && mh > 0)
        std::printf("%-18s %12.1f %12.1f %8.3f %12.1f %12.1f %8.3f\n", c, mt, mh, mt / mh, nt, nh,
                    nt / nh);
    }
  }

 private:
  double stat(const std::string& name, const std::string& which) const {
    const auto a = aggregates_.find(name);
    if (a != aggregates_.end() && a->second.count(which)) return a->second.at(which);
    const auto t = times_.find(name);
    if (t == times_.end()) return 0.0;
    return which == "min" ? minimum(t->second) : median(t->second);
  }
  std::map<std::string, std::vector<double>> times_;
  std::map<std::string, std::map<std::string, double>> aggregates_;
};

// ---- the paired measurement -----------------------------------------------------------------
template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Case>
void paired(const char* name, std::size_t rounds) {
  side<Case> s;
  // Batch size: about 50 us of hand-written work per batch.
  std::size_t n = 1;
  while (seconds([&] { s.hand(n); }) < 50e-6) n *= 2;
  std::vector<double> tt, th, ratio;
  for (std::size_t r = 0; r < rounds; ++r) {
    double a, b;
    if (r % 2 == 0) {
      a = seconds([&] { s.tapeless(n); });
      b = seconds([&] { s.hand(n); });
    } else {
      b = seconds([&] { s.hand(n); });
      a = seconds([&] { s.tapeless(n); });
    }
    tt.push_back(a / double(n) * 1e9);
    th.push_back(b / double(n) * 1e9);
    ratio.push_back(a / b);
  }
  std::printf("%-18s %12.1f %12.1f %8.3f %8.3f %8.3f\n", name, median(tt), median(th),
              median(ratio), quantile(ratio, 0.25), quantile(ratio, 0.75));
}

}  // namespace

int main(int argc, char** argv) {
  seed::check();
  lse::check();
  mlp<50>::check();
  mlp<256>::check();
  mlp_into<50>::check();
  mlp_into<512>::check();
  lse_vec::check();
#ifdef TAPELESS_BENCH_EIGEN
  lse_vec_eigen::check();
#endif
  if (check_failures != 0) {
    std::fprintf(stderr, "%d mismatches between tapeless and hand-written results\n",
                 check_failures);
    return 1;
  }
  bool run_paired = true;
  std::size_t rounds = 400;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no_paired") == 0) {
      run_paired = false;
    } else if (std::strncmp(argv[i], "--paired_rounds=", 16) == 0) {
      rounds = std::strtoul(argv[i] + 16, nullptr, 10);
    } else {
      continue;
    }
    std::copy(argv + i + 1, argv + argc, argv + i);  // hide our flags from Google Benchmark
    --argc, --i;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();

  if (run_paired) {
    std::printf("\nPaired: %zu rounds of back-to-back ~50 us batches; ns per call are medians over\n"
                "rounds, the ratio is the median (and quartiles) of the per-round ratios\n",
                rounds);
    std::printf("%-18s %12s %12s %8s %8s %8s\n", "case", "tapeless", "hand", "ratio", "q25", "q75");
    paired<seed>("a_seed", rounds);
    paired<lse>("b_lse10", rounds);
    paired<mlp<50>>("c_mlp50_vjp", rounds);
    paired<mlp<256>>("d_mlp256_vjp", rounds);
    paired<mlp<512>>("e_mlp512_vjp", rounds);
    paired<mlp_into<50>>("h_mlp50_vjp_into", rounds);
    paired<mlp_into<256>>("i_mlp256_vjp_into", rounds);
    paired<mlp_into<512>>("j_mlp512_vjp_into", rounds);
    paired<lse_vec>("f_lse10v", rounds);
#ifdef TAPELESS_BENCH_EIGEN
    paired<lse_vec_eigen>("g_lse10e", rounds);
#endif
  }
  return 0;
}
