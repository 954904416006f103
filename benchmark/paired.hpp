#pragma once
// The measuring tools the adjoint benchmarks share: paired rounds, one batch of each side back
// to back in alternating order, the ratio taken per round and its median (with quartiles)
// reported. On a shared machine the load changes from second to second; within one round it
// mostly does not, so the ratio is what stays meaningful.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

// Keeps a result alive without a store the optimiser must keep exact.
template <class T>
inline __attribute__((always_inline)) void escape(T* p) {
  asm volatile("" : : "r"(p) : "memory");
}

// A reproducible stream of doubles in [lo, hi) (the weights of the benchmark models).
struct lcg {
  unsigned long long s = 0x9E3779B97F4A7C15ull;
  double operator()(double lo, double hi) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * double(s >> 11) * 0x1.0p-53;
  }
};

using clock_type = std::chrono::steady_clock;
// Seconds per call of f, over n calls.
template <class F>
double time_batch(F&& f, int n) {
  const auto t0 = clock_type::now();
  for (int i = 0; i < n; ++i) f();
  return std::chrono::duration<double>(clock_type::now() - t0).count() / n;
}

inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::size_t(q * double(v.size() - 1) + 0.5)];
}

struct paired {
  double a, b, ratio, q25, q75;  // medians of a's and b's times, of a/b, and its quartiles
};
// Rounds of one batch of a and one of b (order alternating), each batch at least batch_seconds.
template <class A, class B>
paired measure(A&& a, B&& b, double batch_seconds, int rounds) {
  int n = 1;
  while (time_batch(a, n) * n < batch_seconds && n < (1 << 24)) n *= 2;
  std::vector<double> ta, tb, ratio;
  for (int r = 0; r < rounds; ++r) {
    double x, y;
    if (r % 2 == 0) {
      x = time_batch(a, n);
      y = time_batch(b, n);
    } else {
      y = time_batch(b, n);
      x = time_batch(a, n);
    }
    ta.push_back(x);
    tb.push_back(y);
    ratio.push_back(x / y);
  }
  return {quantile(ta, 0.5), quantile(tb, 0.5), quantile(ratio, 0.5), quantile(ratio, 0.25),
          quantile(ratio, 0.75)};
}

// A time for people: ns, us or ms.
inline std::string human(double s) {
  char buf[32];
  if (s < 1e-6)
    std::snprintf(buf, sizeof buf, "%.1f ns", s * 1e9);
  else if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.2f us", s * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  return buf;
}

}  // namespace bench
