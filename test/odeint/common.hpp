#pragma once
// Helpers shared by the Odeint tests: a small dense matrix exponential (for closed forms) and
// relative errors.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace odeint_test {

template <std::size_t n>
using mat = std::array<std::array<double, n>, n>;

template <std::size_t n>
mat<n> matmul(const mat<n>& a, const mat<n>& b) {
  mat<n> c{};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t j = 0; j < n; ++j) c[i][j] += a[i][k] * b[k][j];
  return c;
}

// exp(a) by scaling and squaring with a Taylor series: scale so that the norm is below 1/2, sum
// 30 terms (truncation far below double rounding), square back.
template <std::size_t n>
mat<n> expm(mat<n> a) {
  double norm = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0;
    for (std::size_t j = 0; j < n; ++j) row += std::abs(a[i][j]);
    norm = std::max(norm, row);
  }
  int squarings = 0;
  while (norm > 0.5) {
    norm /= 2;
    ++squarings;
  }
  const double scale = std::ldexp(1.0, -squarings);
  for (auto& row : a)
    for (auto& x : row) x *= scale;
  mat<n> result{}, term{};
  for (std::size_t i = 0; i < n; ++i) result[i][i] = term[i][i] = 1;
  for (int k = 1; k <= 30; ++k) {
    term = matmul(term, a);
    for (auto& row : term)
      for (auto& x : row) x /= k;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) result[i][j] += term[i][j];
  }
  for (int s = 0; s < squarings; ++s) result = matmul(result, result);
  return result;
}

inline double rel_err(double got, double want) {
  return std::abs(got - want) / std::max(std::abs(want), 1e-300);
}

// Largest relative error over a range, relative to the largest magnitude of the reference (so a
// near-zero entry is judged against the scale of the whole result).
template <class A, class B>
double max_rel_err(const A& got, const B& want, std::size_t n) {
  double scale = 0, err = 0;
  for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(double(want[i])));
  for (std::size_t i = 0; i < n; ++i)
    err = std::max(err, std::abs(double(got[i]) - double(want[i])));
  return err / scale;
}

}  // namespace odeint_test
