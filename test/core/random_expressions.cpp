// Seeded random-expression property test.
//
// Expressions are types, so the "random" family is generated at compile time: gen::any<Kind,
// Depth, Seed> picks an operator from a table by a hash of Seed and recurses (depth 3 or 4) with
// derived seeds, composing shapes correctly over scalars, vectors of 3 and 2 and 2x3 / 3x2
// matrices (symbols s, v, A, B). Operands of log, sqrt, the base of pow and divisors come from
// gen::pos, which only builds positive expressions. gen::family takes, from a chain of seeds,
// expressions that use the scalar s and a tensor symbol and have 6 to 10 nodes.
//
// The family is small (6 members) because compile time is the budget: every member costs about
// 1.5 s of g++ -O2 (its eval, grad, d, jvp and hessian programs), nearly independent of its size.
// The pair count comes from points instead.
//
// At run time every member is evaluated at points drawn from a seeded std::mt19937_64; points
// where an abs, relu, leaky_relu or elu argument is within 1e-2 of its kink, the operands of
// maximum, minimum or clamp are within 1e-2 of each other, two elements of a max or min are
// within 1e-2 (a near tie), a norm is below 1e-2, a positive operand is below 1e-3, or a value
// or gradient is not finite or above 1e6 are drawn again. Each (expression, point) pair
// is checked:
//   - tl::eval against an independent reference evaluator (std:: functions on doubles);
//   - tl::grad against central finite differences, for all 16 coordinates of s, v, A, B
//     (step 1e-6 (1 + |x|), relative tolerance 1e-6 plus a rounding floor 100 eps |f| / h);
//   - tl::eval(tl::d(e, x)) against tl::grad, per symbol used (1e-12 relative; for the scalar s,
//     d is forward mode); the gradient along a symbol not used must be exactly 0;
//   - tl::jvp along a random direction against grad . direction, per symbol (1e-12 relative to
//     the sum of the terms' magnitudes);
//   - tl::hessian with respect to s against central differences of tl::grad (step 1e-5 (1 + |s|),
//     1e-6 relative plus a rounding floor).
//
// Knobs (environment):
//   TAPELESS_PROPERTY_POINTS   points per group (default 96: 6 expressions -> 576 pairs)
//   TAPELESS_PROPERTY_SEED     seed of the points (default 20261127)
//   TAPELESS_PROPERTY_VERBOSE  set: print the family
// The family itself is chosen by the compile-time seed TAPELESS_PROPERTY_EXPR_SEED (a macro:
// -DTAPELESS_PROPERTY_EXPR_SEED=... builds another family). A failure prints the seed, the group,
// the point's index and every coordinate (%.17g), and the expression's text.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <tapeless/tapeless.hpp>
#include <utility>

#ifndef TAPELESS_PROPERTY_EXPR_SEED
#define TAPELESS_PROPERTY_EXPR_SEED 0x7a9e1e55u
#endif

namespace tl = tapeless;

namespace {

constexpr auto s = tl::var<"s">;
constexpr auto v = tl::var<"v", 3>;
constexpr auto A = tl::var<"A", 2, 3>;
constexpr auto B = tl::var<"B", 3, 2>;

// ---------------------------------------------------------------------------------------------
// The compile-time generator.
namespace gen {

enum kind : int { S, V, W, M, N };  // scalar, vector of 3, vector of 2, 2x3, 3x2

constexpr std::uint64_t mix(std::uint64_t x, std::uint64_t k) {  // splitmix64 of (x, k)
  x += 0x9E3779B97F4A7C15ull * (k + 1);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
constexpr unsigned pick(std::uint64_t seed, unsigned n) { return unsigned(mix(seed, 1000) % n); }

template <int K, std::uint64_t Seed>
constexpr auto leaf() {
  if constexpr (K == S)
    return s;
  else if constexpr (K == V)
    return v;
  else if constexpr (K == W) {
    if constexpr (pick(Seed, 2) == 0)
      return tl::slice<0, 2>(v);
    else
      return tl::slice<1, 2>(v);
  } else if constexpr (K == M)
    return A;
  else
    return B;
}

template <int K, int D, std::uint64_t Seed>
constexpr auto any();
template <int K, int D, std::uint64_t Seed>
constexpr auto pos();

// f(a) for f from the table of element-wise functions.
template <std::uint64_t Seed, class E>
constexpr auto unary_fn(const E& a) {
  constexpr unsigned f = pick(Seed, 17);
  if constexpr (f == 0) return tl::sin(a);
  else if constexpr (f == 1) return tl::cos(a);
  else if constexpr (f == 2) return tl::tanh(a);
  else if constexpr (f == 3) return tl::sigmoid(a);
  else if constexpr (f == 4) return tl::softplus(a);
  else if constexpr (f == 5) return -a;
  else if constexpr (f == 6) return tl::square(a);
  else if constexpr (f == 7) return tl::pow<3>(a);
  else if constexpr (f == 8) return tl::abs(a);
  else if constexpr (f == 9) return tl::relu(a);
  else if constexpr (f == 10) return tl::exp(a);
  else if constexpr (f == 11) return tl::silu(a);
  else if constexpr (f == 12) return tl::gelu(a);
  else if constexpr (f == 13) return tl::expm1(a);
  else if constexpr (f == 14) return tl::leaky_relu(a, 0.1);
  else if constexpr (f == 15) return tl::elu(a);
  else return 0.75 * a;  // a runtime constant
}

// The second operand of maximum or minimum, moved off the first where the two are the same
// expression (maximum(s, s) ties everywhere, and every point would be redrawn).
template <class L, class R>
constexpr auto distinct(const L&, const R& r) {
  if constexpr (std::is_same_v<L, R>)
    return 0.5 * r + 0.25;
  else
    return r;
}

template <int K, int D, std::uint64_t Seed>
constexpr auto any() {
  constexpr std::uint64_t c1 = mix(Seed, 1), c2 = mix(Seed, 2), c3 = mix(Seed, 3);
  if constexpr (D == 0) {
    return leaf<K, Seed>();
  } else {
    constexpr unsigned r = pick(Seed, 8);
    if constexpr (r == 0) {
      return unary_fn<c3>(any<K, D - 1, c1>());
    } else if constexpr (r == 1) {
      constexpr unsigned op = pick(c3, 6);
      if constexpr (op == 0) return any<K, D - 1, c1>() + any<K, D - 1, c2>();
      else if constexpr (op == 1) return any<K, D - 1, c1>() - any<K, D - 1, c2>();
      else if constexpr (op == 2) return any<K, D - 1, c1>() * any<K, D - 1, c2>();
      else if constexpr (op == 3) return tl::maximum(any<K, D - 1, c1>(), distinct(any<K, D - 1, c1>(), any<K, D - 1, c2>()));
      else if constexpr (op == 4) return tl::minimum(any<K, D - 1, c1>(), distinct(any<K, D - 1, c1>(), any<S, D - 1, c2>()));
      else return tl::clamp(any<K, D - 1, c1>(), -0.5, 1.0);
    } else if constexpr (r == 2) {
      return any<K, D - 1, c1>() / pos<K, D - 1, c2>();
    } else if constexpr (r == 3) {
      constexpr unsigned op = pick(c3, 5);
      if constexpr (op == 0) return tl::log(pos<K, D - 1, c1>());
      else if constexpr (op == 1) return tl::sqrt(pos<K, D - 1, c1>());
      else if constexpr (op == 2) return tl::pow(pos<K, D - 1, c1>(), any<K, D - 1, c2>());
      else if constexpr (op == 3) return tl::log1p(pos<K, D - 1, c1>());
      else return tl::pow(pos<K, D - 1, c1>(), any<S, D - 1, c2>());  // a scalar exponent
    } else if constexpr (K == S) {
      if constexpr (r == 4 || r == 7) {
        constexpr unsigned op = pick(c3, 9);
        if constexpr (op == 0) return tl::sum(any<V, D - 1, c1>());
        else if constexpr (op == 1) return tl::mean(any<M, D - 1, c1>());
        else if constexpr (op == 2) return tl::sum(any<N, D - 1, c1>());
        else if constexpr (op == 3) return tl::logsumexp(any<V, D - 1, c1>());
        else if constexpr (op == 4) return tl::max(any<M, D - 1, c1>());
        else if constexpr (op == 5) return tl::min(any<W, D - 1, c1>());
        else if constexpr (op == 6) return tl::norm(any<V, D - 1, c1>());
        else if constexpr (op == 7) return tl::squared_norm(any<N, D - 1, c1>());
        else return tl::mean(any<W, D - 1, c1>());
      } else if constexpr (r == 5) {
        if constexpr (pick(c3, 2) == 0) return tl::dot(any<V, D - 1, c1>(), any<V, D - 1, c2>());
        else return tl::dot(any<W, D - 1, c1>(), any<W, D - 1, c2>());
      } else {
        constexpr unsigned i = pick(c3, 3);
        return tl::component<i>(any<V, D - 1, c1>());
      }
    } else if constexpr (r == 4) {  // a scalar broadcast against a tensor
      constexpr unsigned op = pick(c3, 4);
      if constexpr (op == 0) return any<S, D - 1, c1>() * any<K, D - 1, c2>();
      else if constexpr (op == 1) return any<K, D - 1, c1>() + any<S, D - 1, c2>();
      else if constexpr (op == 2) return any<K, D - 1, c1>() / pos<S, D - 1, c2>();
      else return any<S, D - 1, c1>() - any<K, D - 1, c2>();
    } else if constexpr (K == V) {
      constexpr unsigned op = pick(c3, 5);
      if constexpr (r == 5) return tl::matmul(any<N, D - 1, c1>(), any<W, D - 1, c2>());
      else if constexpr (r == 6 && op < 2) return tl::matmul(any<W, D - 1, c1>(), any<M, D - 1, c2>());
      else if constexpr (r == 6 && op == 2) return tl::softmax(any<V, D - 1, c1>());
      else if constexpr (r == 6 && op == 3) return tl::sum<0>(any<M, D - 1, c1>());
      else if constexpr (r == 6) return tl::max<1>(any<N, D - 1, c1>());
      else if constexpr (pick(c3, 2) == 0) return tl::stack(any<W, D - 1, c1>(), any<S, D - 1, c2>());
      else return tl::stack(any<S, D - 1, c1>(), any<W, D - 1, c2>());
    } else if constexpr (K == W) {
      constexpr unsigned op = pick(c3, 5);
      if constexpr (r == 5) return tl::matmul(any<M, D - 1, c1>(), any<V, D - 1, c2>());
      else if constexpr (r == 6 && op < 2) return tl::matmul(any<V, D - 1, c1>(), any<N, D - 1, c2>());
      else if constexpr (r == 6 && op == 2) return tl::mean<1>(any<M, D - 1, c1>());
      else if constexpr (r == 6 && op == 3) return tl::sum<0>(any<N, D - 1, c1>());
      else if constexpr (r == 6) return tl::min<0>(any<N, D - 1, c1>());
      else if constexpr (pick(c3, 2) == 0) return tl::slice<1, 2>(any<V, D - 1, c1>());
      else return tl::stack(any<S, D - 1, c1>(), any<S, D - 1, c2>());
    } else if constexpr (K == M) {
      if constexpr (r == 5) return tl::transpose(any<N, D - 1, c1>());
      else if constexpr (r == 6) return tl::outer(any<W, D - 1, c1>(), any<V, D - 1, c2>());
      else return tl::matmul(tl::outer(any<W, D - 1, c1>(), leaf<W, c3>()), any<M, D - 1, c2>());
    } else {
      if constexpr (r == 5) return tl::transpose(any<M, D - 1, c1>());
      else if constexpr (r == 6) return tl::outer(any<V, D - 1, c1>(), any<W, D - 1, c2>());
      else return tl::matmul(any<N, D - 1, c1>(), tl::outer(leaf<W, c3>(), any<W, D - 1, c2>()));
    }
  }
}

// Expressions whose every element is positive (for log, sqrt, the base of pow, divisors).
template <int K, int D, std::uint64_t Seed>
constexpr auto pos() {
  constexpr std::uint64_t c1 = mix(Seed, 1), c2 = mix(Seed, 2);
  if constexpr (D == 0) {
    constexpr unsigned r = pick(Seed, 4);
    if constexpr (r == 0) return tl::softplus(leaf<K, c1>());
    else if constexpr (r == 1) return tl::exp(leaf<K, c1>());
    else if constexpr (r == 2) return tl::c<1, 2> + tl::square(leaf<K, c1>());
    else return tl::sigmoid(leaf<K, c1>());
  } else {
    constexpr unsigned r = pick(Seed, 9);
    if constexpr (r == 0) return tl::exp(any<K, D - 1, c1>());
    else if constexpr (r == 1) return tl::softplus(any<K, D - 1, c1>());
    else if constexpr (r == 2) return tl::sigmoid(any<K, D - 1, c1>());
    else if constexpr (r == 3) return pos<K, D - 1, c1>() + pos<K, D - 1, c2>();
    else if constexpr (r == 4) return pos<K, D - 1, c1>() * pos<K, D - 1, c2>();
    else if constexpr (r == 5) return pos<K, D - 1, c1>() / pos<K, D - 1, c2>();
    else if constexpr (r == 6) return tl::sqrt(pos<K, D - 1, c1>());
    else if constexpr (r == 7) return tl::c<1, 4> + tl::square(any<K, D - 1, c1>());
    else return tl::pow(pos<K, D - 1, c1>(), any<S, D - 1, c2>());
  }
}

// Type-level facts used to choose the family.
template <class E, class X>
constexpr bool uses() {
  if constexpr (std::is_same_v<E, X>) return true;
  else if constexpr (tl::is_unary_v<E>) return uses<typename E::arg_type, X>();
  else if constexpr (tl::is_binary_v<E>)
    return uses<typename E::left_type, X>() || uses<typename E::right_type, X>();
  else return false;
}
template <class E>
constexpr int nodes() {
  if constexpr (tl::is_unary_v<E>) return 1 + nodes<typename E::arg_type>();
  else if constexpr (tl::is_binary_v<E>)
    return 1 + nodes<typename E::left_type>() + nodes<typename E::right_type>();
  else return 1;
}

constexpr int min_nodes = 6, max_nodes = 10;

template <int D, std::uint64_t Seed>
constexpr bool acceptable() {
  using E = decltype(any<S, D, Seed>());
  using Sym = std::remove_const_t<decltype(s)>;
  using Vec = std::remove_const_t<decltype(v)>;
  using MatA = std::remove_const_t<decltype(A)>;
  using MatB = std::remove_const_t<decltype(B)>;
  constexpr int n = nodes<E>();
  return uses<E, Sym>() && (uses<E, Vec>() || uses<E, MatA>() || uses<E, MatB>()) &&
         n >= min_nodes && n <= max_nodes;
}

// The first acceptable seed from Seed on (seeds hop by mix).
template <int D, std::uint64_t Seed, int Tries = 0>
constexpr std::uint64_t find_seed() {
  static_assert(Tries < 200, "no acceptable expression near this seed");
  if constexpr (acceptable<D, Seed>()) return Seed;
  else return find_seed<D, mix(Seed, 77), Tries + 1>();
}

// Expression I of the family: depth 3 for even I, 4 for odd I.
template <std::size_t I>
constexpr auto family() {
  constexpr int depth = 3 + int(I % 2);
  constexpr std::uint64_t seed = find_seed<depth, mix(TAPELESS_PROPERTY_EXPR_SEED, I)>();
  return any<S, depth, seed>();
}

}  // namespace gen

// The family is checked in groups: the members of a group are stacked into one vector-valued
// expression, so that each derivative program (eval, grad, jvp, d, hessian) is compiled once per
// group rather than once per member; the per-member compile cost is mostly per program, not
// per node. Member k of a group is selected by a one-hot vector bound to the symbol u, as the
// scalar dot(u, stack(members)), which equals member k exactly (products with 0 and 1, sums
// with 0; points where any member is not finite are drawn again).
constexpr std::size_t group_size = 6, n_groups = 1;
constexpr std::size_t family_size = group_size * n_groups;
constexpr auto u = tl::var<"u", group_size>;
using selector_t = tl::vector<double, group_size>;

template <std::size_t Lo, std::size_t Hi>
constexpr auto stacked() {  // a balanced stack of members [Lo, Hi)
  if constexpr (Hi - Lo == 1)
    return gen::family<Lo>();
  else
    return tl::stack(stacked<Lo, (Lo + Hi) / 2>(), stacked<(Lo + Hi) / 2, Hi>());
}

// ---------------------------------------------------------------------------------------------
// Points: every coordinate of s, v, A, B in one flat array (1 + 3 + 6 + 6).
constexpr std::size_t n_coords = 16;
struct point {
  double s0{};
  tl::vector<double, 3> v0{};
  tl::matrix<double, 2, 3> A0{};
  tl::matrix<double, 3, 2> B0{};
  double& coord(std::size_t i) {
    if (i == 0) return s0;
    if (i < 4) return v0[i - 1];
    if (i < 10) return A0[i - 4];
    return B0[i - 10];
  }
  double coord(std::size_t i) const { return const_cast<point&>(*this).coord(i); }
  auto bindings() const { return tl::at(s = s0, v = v0, A = A0, B = B0, u = selector_t{}); }
  auto bindings(std::size_t k) const {
    selector_t one_hot{};
    one_hot[k] = 1;
    return tl::at(s = s0, v = v0, A = A0, B = B0, u = one_hot);
  }
};
const char* coord_name(std::size_t i) {
  static const char* names[n_coords] = {"s",      "v[0]",   "v[1]",   "v[2]",   "A[0,0]", "A[0,1]",
                                        "A[0,2]", "A[1,0]", "A[1,1]", "A[1,2]", "B[0,0]", "B[0,1]",
                                        "B[1,0]", "B[1,1]", "B[2,0]", "B[2,1]"};
  return names[i];
}

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}
std::string describe(const point& p) {
  std::string out;
  for (std::size_t i = 0; i < n_coords; ++i) out += std::string(i ? ", " : "") + coord_name(i) + "=" + num(p.coord(i));
  return out;
}

point random_point(std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  point p;
  for (std::size_t i = 0; i < n_coords; ++i) p.coord(i) = u(g);
  return p;
}

// A plain reference evaluator, independent of the library's sweep: one small function per node
// type, std:: functions on doubles. It also vets the point: where an argument is near a kink (see
// the top of the file), or an argument that must be positive (log, log1p, sqrt, the base of pow,
// a divisor) is not comfortably so, the point is not used. It records which operations the family uses.
struct walk_state {
  bool ok = true;
  std::map<std::string, int>* ops = nullptr;
};
constexpr double kink_margin = 1e-2, positive_margin = 1e-3;

template <class Sh>
using val = tl::value_t<double, Sh>;

template <class T>
inline constexpr bool is_slice_v = false;
template <std::size_t Off, std::size_t Len>
inline constexpr bool is_slice_v<tl::slice_op<Off, Len>> = true;

template <class Val>
void require(walk_state& st, const Val& x, bool kink) {
  for (std::size_t i = 0; i < tl::shape_of_value_t<Val>::size; ++i) {
    const double a = tl::elem(x, i);
    st.ok = st.ok && (kink ? std::abs(a) > kink_margin : a > positive_margin);
  }
}
// The two operands of maximum, minimum, clamp_min, clamp_max apart (a scalar side broadcast).
template <class L, class R>
void require_apart(walk_state& st, const L& l, const R& r) {
  constexpr std::size_t n = std::max(tl::shape_of_value_t<L>::size, tl::shape_of_value_t<R>::size);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = std::is_arithmetic_v<L> ? tl::elem(l, 0) : tl::elem(l, i);
    const double b = std::is_arithmetic_v<R> ? tl::elem(r, 0) : tl::elem(r, i);
    st.ok = st.ok && std::abs(a - b) > kink_margin;
  }
}
// The extreme element of max / min apart from the others (no near tie), over `count` elements
// from `first` with stride `stride`.
template <class Val>
void require_no_tie(walk_state& st, const Val& x, std::size_t first, std::size_t count, std::size_t stride) {
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t j = i + 1; j < count; ++j)
      st.ok = st.ok && std::abs(tl::elem(x, first + i * stride) - tl::elem(x, first + j * stride)) > kink_margin;
}
template <class T>
inline constexpr bool is_axis_op_v = requires { T::axis; };

double scalar_fn(std::string_view op, double x) {
  if (op == "sin") return std::sin(x);
  if (op == "cos") return std::cos(x);
  if (op == "tanh") return std::tanh(x);
  if (op == "sigmoid") return 1 / (1 + std::exp(-x));
  if (op == "softplus") return std::log1p(std::exp(x));
  if (op == "-") return -x;
  if (op == "square") return x * x;
  if (op == "abs") return std::abs(x);
  if (op == "relu") return x > 0 ? x : 0;
  if (op == "exp") return std::exp(x);
  if (op == "log") return std::log(x);
  if (op == "sqrt") return std::sqrt(x);
  if (op == "log1p") return std::log1p(x);
  if (op == "expm1") return std::expm1(x);
  if (op == "silu") return x / (1 + std::exp(-x));
  if (op == "gelu") return x * 0.5 * (1 + std::erf(x / std::sqrt(2.0)));
  return std::numeric_limits<double>::quiet_NaN();
}
double scalar_fn(std::string_view op, double l, double r) {
  if (op == "+") return l + r;
  if (op == "-") return l - r;
  if (op == "*") return l * r;
  if (op == "/") return l / r;
  if (op == "pow") return std::pow(l, r);
  if (op == "maximum") return std::max(l, r);
  if (op == "minimum") return std::min(l, r);
  if (op == "clamp_min") return std::max(l, r);
  if (op == "clamp_max") return std::min(l, r);
  if (op == "leaky_relu") return l > 0 ? l : r * l;
  if (op == "elu") return l > 0 ? l : r * std::expm1(l);
  return std::numeric_limits<double>::quiet_NaN();
}
template <class Val>
double at_or_scalar(const Val& x, std::size_t i) {
  if constexpr (std::is_arithmetic_v<Val>)
    return x;
  else
    return x[i];
}

template <class E>
val<typename E::shape_type> ref(const E& e, const point& p, walk_state& st) {
  using Sh = typename E::shape_type;
  val<Sh> out{};
  if constexpr (tl::is_symbol_v<E>) {
    if constexpr (std::is_same_v<E, std::remove_const_t<decltype(s)>>) out = p.s0;
    else if constexpr (std::is_same_v<E, std::remove_const_t<decltype(v)>>) out = p.v0;
    else if constexpr (std::is_same_v<E, std::remove_const_t<decltype(A)>>) out = p.A0;
    else out = p.B0;
  } else if constexpr (tl::is_cconst_v<E>) {
    out = tl::filled<double, Sh>(E::template value<double>());
  } else if constexpr (tl::is_rconst_v<E>) {
    out = e.value;
  } else if constexpr (tl::is_unary_v<E>) {
    using Op = typename E::op;
    using SA = typename E::arg_type::shape_type;
    if (st.ops) ++(*st.ops)[std::string(Op::name) + "/1"];
    const auto a = ref(e.a, p, st);
    if constexpr (std::is_same_v<Op, tl::abs_op> || std::is_same_v<Op, tl::relu_op>) require(st, a, true);
    if constexpr (std::is_same_v<Op, tl::log_op> || std::is_same_v<Op, tl::sqrt_op> ||
                  std::is_same_v<Op, tl::log1p_op>)
      require(st, a, false);
    if constexpr (is_axis_op_v<Op>) {
      // sum<D>, mean<D>, max<D>, min<D> of a matrix
      constexpr std::size_t rows = tl::dim_v<0, SA>, cols = tl::dim_v<1, SA>, D = Op::axis;
      constexpr std::size_t count = D == 0 ? rows : cols;
      for (std::size_t k = 0; k < Sh::size; ++k) {
        const std::size_t first = D == 0 ? k : k * cols, stride = D == 0 ? cols : 1;
        double acc = a[first];
        for (std::size_t i = 1; i < count; ++i) {
          const double e = a[first + i * stride];
          if (Op::name == "max") acc = std::max(acc, e);
          else if (Op::name == "min") acc = std::min(acc, e);
          else acc += e;
        }
        if (Op::name == "mean") acc /= double(count);
        if (Op::name == "max" || Op::name == "min") require_no_tie(st, a, first, count, stride);
        out[k] = acc;
      }
    } else if constexpr (std::is_same_v<Op, tl::max_op> || std::is_same_v<Op, tl::min_op>) {
      out = a[0];
      for (std::size_t i = 1; i < SA::size; ++i)
        out = std::is_same_v<Op, tl::max_op> ? std::max(out, a[i]) : std::min(out, a[i]);
      require_no_tie(st, a, 0, SA::size, 1);
    } else if constexpr (std::is_same_v<Op, tl::logsumexp_op> || std::is_same_v<Op, tl::softmax_op>) {
      double m = a[0], total = 0;
      for (std::size_t i = 1; i < SA::size; ++i) m = std::max(m, a[i]);
      for (std::size_t i = 0; i < SA::size; ++i) total += std::exp(a[i] - m);
      if constexpr (std::is_same_v<Op, tl::logsumexp_op>)
        out = m + std::log(total);
      else
        for (std::size_t i = 0; i < SA::size; ++i) out[i] = std::exp(a[i] - m) / total;
    } else if constexpr (std::is_same_v<Op, tl::norm_op> || std::is_same_v<Op, tl::squared_norm_op>) {
      for (std::size_t i = 0; i < SA::size; ++i) out += a[i] * a[i];
      if constexpr (std::is_same_v<Op, tl::norm_op>) {
        out = std::sqrt(out);
        st.ok = st.ok && out > kink_margin;
      }
    } else if constexpr (std::is_same_v<Op, tl::sum_op> || std::is_same_v<Op, tl::mean_op>) {
      for (std::size_t i = 0; i < SA::size; ++i) out += a[i];
      if constexpr (std::is_same_v<Op, tl::mean_op>) out /= double(SA::size);
    } else if constexpr (std::is_same_v<Op, tl::transpose_op>) {
      for (std::size_t i = 0; i < a.rows; ++i)
        for (std::size_t j = 0; j < a.cols; ++j) out(j, i) = a(i, j);
    } else if constexpr (is_slice_v<Op>) {
      if constexpr (Op::length == 0) out = a[Op::offset];
      else for (std::size_t i = 0; i < Op::length; ++i) out[i] = a[Op::offset + i];
    } else if constexpr (requires { Op::exponent; }) {
      for (std::size_t i = 0; i < Sh::size; ++i) tl::elem(out, i) = std::pow(tl::elem(a, i), Op::exponent);
    } else {
      for (std::size_t i = 0; i < Sh::size; ++i) tl::elem(out, i) = scalar_fn(Op::name, tl::elem(a, i));
    }
  } else if constexpr (tl::is_binary_v<E>) {
    using Op = typename E::op;
    using SL = typename E::left_type::shape_type;
    using SR = typename E::right_type::shape_type;
    if (st.ops) ++(*st.ops)[std::string(Op::name) + "/2"];
    const auto l = ref(e.l, p, st);
    const auto r = ref(e.r, p, st);
    if constexpr (std::is_same_v<Op, tl::pow_op>) require(st, l, false);
    if constexpr (std::is_same_v<Op, tl::div_op>) require(st, r, false);
    if constexpr (std::is_same_v<Op, tl::leaky_relu_op> || std::is_same_v<Op, tl::elu_op>) require(st, l, true);
    if constexpr (std::is_same_v<Op, tl::maximum_op> || std::is_same_v<Op, tl::minimum_op> ||
                  std::is_same_v<Op, tl::clamp_min_op> || std::is_same_v<Op, tl::clamp_max_op>)
      require_apart(st, l, r);
    if constexpr (std::is_same_v<Op, tl::matmul_op>) {
      if constexpr (SL::rank == 2 && SR::rank == 2) {
        for (std::size_t i = 0; i < l.rows; ++i)
          for (std::size_t j = 0; j < r.cols; ++j)
            for (std::size_t k = 0; k < l.cols; ++k) out(i, j) += l(i, k) * r(k, j);
      } else if constexpr (SL::rank == 2) {
        for (std::size_t i = 0; i < l.rows; ++i)
          for (std::size_t k = 0; k < l.cols; ++k) out[i] += l(i, k) * r[k];
      } else {
        for (std::size_t j = 0; j < r.cols; ++j)
          for (std::size_t k = 0; k < r.rows; ++k) out[j] += l[k] * r(k, j);
      }
    } else if constexpr (std::is_same_v<Op, tl::dot_op>) {
      for (std::size_t i = 0; i < SL::size; ++i) out += l[i] * r[i];
    } else if constexpr (std::is_same_v<Op, tl::outer_op>) {
      for (std::size_t i = 0; i < SL::size; ++i)
        for (std::size_t j = 0; j < SR::size; ++j) out(i, j) = l[i] * r[j];
    } else if constexpr (std::is_same_v<Op, tl::concat_op>) {
      for (std::size_t i = 0; i < SL::size; ++i) out[i] = at_or_scalar(l, i);
      for (std::size_t i = 0; i < SR::size; ++i) out[SL::size + i] = at_or_scalar(r, i);
    } else {  // element-wise, a scalar side broadcast
      for (std::size_t i = 0; i < Sh::size; ++i)
        tl::elem(out, i) = scalar_fn(Op::name, at_or_scalar(l, i), at_or_scalar(r, i));
    }
  } else {
    static_assert(sizeof(E) == 0, "ref: a node kind the generator does not make");
  }
  return out;
}

struct config {
  std::uint64_t seed = 20261127u;
  std::size_t points = 96;  // per group: every member is checked at every point of its group
  bool verbose = false;
};
config read_config() {
  config c;
  if (const char* p = std::getenv("TAPELESS_PROPERTY_POINTS")) c.points = std::strtoull(p, nullptr, 0);
  if (const char* p = std::getenv("TAPELESS_PROPERTY_SEED")) c.seed = std::strtoull(p, nullptr, 0);
  c.verbose = std::getenv("TAPELESS_PROPERTY_VERBOSE") != nullptr;
  return c;
}

struct totals {
  std::size_t pairs = 0, redrawn = 0;
  std::map<std::string, int> ops;
};

// |a - b| <= tol, with both numbers and the tolerance printed on failure.
#define EXPECT_NEAR(what, a, b, tol)                                                           \
  do {                                                                                         \
    const double a_ = (a), b_ = (b), t_ = (tol);                                               \
    INFO(what << ": " << num(a_) << " vs " << num(b_) << " (difference " << num(a_ - b_)      \
              << ", tolerance " << num(t_) << ")");                                            \
    CHECK(std::abs(a_ - b_) <= t_);                                                            \
  } while (0)

using flat_t = std::array<double, n_coords>;

// The gradient of member k of the group (E the stack, L = dot(u, E)) at p, flattened like
// point::coord.
template <class L>
flat_t flat_gradient(const L& l, const point& p, std::size_t k) {
  // (allow_unused: an expression of the family may leave a tensor symbol out; its gradient must
  // then be exactly 0, which is checked below.)
  const auto g = tl::grad(l, tl::wrt(tl::allow_unused, s, v, A, B), p.bindings(k));
  flat_t out{};
  out[0] = g[s];
  for (std::size_t i = 0; i < 3; ++i) out[1 + i] = g[v][i];
  for (std::size_t i = 0; i < 6; ++i) out[4 + i] = g[A][i];
  for (std::size_t i = 0; i < 6; ++i) out[10 + i] = g[B][i];
  return out;
}

template <class Member, class X>
constexpr bool member_uses = gen::uses<Member, X>();

// The laws of one symbol x (coordinates from `first` in point::coord) for every member of the
// group: eval(d(L, x)) is the gradient (for the scalar s, d is forward mode), and the jvp of the
// stack along a random direction is, member by member, grad . direction. For a symbol a member
// does not use, its gradient must be exactly zero.
template <std::size_t Lo, std::size_t... I, class E, class L, class X>
void mode_laws(std::index_sequence<I...>, const E& e, const L& l, X x, std::size_t first, const point& p,
               const point& dir, const std::array<flat_t, group_size>& grads) {
  constexpr std::size_t n = X::shape_type::size;
  constexpr bool used[] = {member_uses<decltype(gen::family<Lo + I>()), X>...};
  tl::value_t<double, typename X::shape_type> w{};
  for (std::size_t i = 0; i < n; ++i) tl::elem(w, i) = dir.coord(first + i);
  const auto jv = tl::jvp(e, x, w, p.bindings());
  for (std::size_t k = 0; k < group_size; ++k) {
    INFO("member " << k << " of the group");
    const flat_t& grad = grads[k];
    if (!used[k]) {
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_NEAR(std::string("grad along an unused ") + coord_name(first + i), grad[first + i], 0.0, 0.0);
      continue;
    }
    const auto dx = tl::eval(tl::d(l, x), p.bindings(k));
    double expected = 0, scale = 0;  // the tolerance is relative to the terms' magnitudes
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(std::string("eval(d(e, x)) against grad along ") + coord_name(first + i), tl::elem(dx, i),
                  grad[first + i], 1e-12 * std::max(1.0, std::abs(grad[first + i])));
      expected += grad[first + i] * tl::elem(w, i);
      scale += std::abs(grad[first + i] * tl::elem(w, i));
    }
    EXPECT_NEAR(std::string("jvp along ") + std::string(X::name) + " against grad . direction", jv[k], expected,
                1e-12 * std::max(1.0, scale));
  }
}

// Values this large make finite differences meaningless (and come from exp of exp): such points
// are drawn again, as are non-finite ones.
constexpr double max_magnitude = 1e6;

template <std::size_t G>
void check_group(const config& c, totals& t) {
  constexpr std::size_t lo = G * group_size;
  using members = std::make_index_sequence<group_size>;
  constexpr auto e = stacked<lo, lo + group_size>();
  constexpr auto l = tl::dot(u, e);
  const std::array<std::string, group_size> text = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::string, group_size>{tl::to_string(gen::family<lo + I>())...};
  }(members{});
  constexpr std::array<int, group_size> node_count = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<int, group_size>{gen::nodes<decltype(gen::family<lo + I>())>()...};
  }(members{});
  if (c.verbose)
    for (std::size_t k = 0; k < group_size; ++k)
      std::cout << "expression " << lo + k << " (" << node_count[k] << " nodes): " << text[k] << "\n";
  std::mt19937_64 g(c.seed * 0x9E3779B97F4A7C15ull + G);
  {  // coverage: the operations of the members, at an arbitrary point
    walk_state st;
    st.ops = &t.ops;
    const point p = random_point(g);
    [&]<std::size_t... I>(std::index_sequence<I...>) { (ref(gen::family<lo + I>(), p, st), ...); }(members{});
  }
  std::size_t accepted = 0, attempts = 0;
  while (accepted < c.points && attempts < 50 * c.points + 50) {
    ++attempts;
    const point p = random_point(g);
    walk_state st;
    const auto f_ref = ref(e, p, st);
    if (!st.ok) continue;
    const auto f = tl::eval(e, p.bindings());
    std::array<flat_t, group_size> grads{};
    bool tame = true;
    for (std::size_t k = 0; k < group_size; ++k) {
      grads[k] = flat_gradient(l, p, k);
      tame = tame && std::isfinite(f[k]) && std::abs(f[k]) < max_magnitude;
      for (double x : grads[k]) tame = tame && std::isfinite(x) && std::abs(x) < max_magnitude;
    }
    if (!tame) continue;
    INFO("TAPELESS_PROPERTY_SEED=" << c.seed << ", group " << G << " (expressions " << lo << " to "
                                   << lo + group_size - 1 << ")");
    INFO("point " << accepted << " (draw " << attempts << "): " << describe(p));
    {
      // Central finite differences of the whole stack, coordinate by coordinate. The step is
      // scaled by the coordinate; the tolerance is relative (1e-6), with a floor for the rounding
      // of the two evaluations (about eps |f| / h).
      std::array<selector_t, n_coords> fd{};
      std::array<selector_t, n_coords> fmag{};
      for (std::size_t i = 0; i < n_coords; ++i) {
        const double h = 1e-6 * (1 + std::abs(p.coord(i)));
        point pp = p, pm = p;
        pp.coord(i) += h;
        pm.coord(i) -= h;
        const auto fp = tl::eval(e, pp.bindings()), fm = tl::eval(e, pm.bindings());
        for (std::size_t k = 0; k < group_size; ++k) {
          fd[i][k] = (fp[k] - fm[k]) / (2 * h);
          fmag[i][k] = std::max({std::abs(f[k]), std::abs(fp[k]), std::abs(fm[k])}) / h;
        }
      }
      constexpr double eps = std::numeric_limits<double>::epsilon();
      for (std::size_t k = 0; k < group_size; ++k) {
        INFO("expression " << lo + k << ": " << text[k]);
        EXPECT_NEAR("eval against the reference evaluator", f[k], f_ref[k], 1e-12 * std::max(1.0, std::abs(f_ref[k])));
        for (std::size_t i = 0; i < n_coords; ++i)
          EXPECT_NEAR(std::string("grad against finite differences along ") + coord_name(i), grads[k][i], fd[i][k],
                      1e-6 * std::max(1.0, std::abs(fd[i][k])) + 1e2 * eps * fmag[i][k]);
        // The Hessian with respect to s against central differences of the gradient.
        const double H = tl::hessian(l, s, p.bindings(k));
        const double h = 1e-5 * (1 + std::abs(p.s0));
        point pp = p, pm = p;
        pp.s0 += h;
        pm.s0 -= h;
        const double gp = flat_gradient(l, pp, k)[0], gm = flat_gradient(l, pm, k)[0];
        const double hfd = (gp - gm) / (2 * h);
        EXPECT_NEAR("hessian in s against differences of grad", H, hfd,
                    1e-6 * std::max(1.0, std::abs(hfd)) +
                        1e2 * eps * std::max({std::abs(grads[k][0]), std::abs(gp), std::abs(gm)}) / h);
      }
    }
    {
      INFO("expressions " << lo << " to " << lo + group_size - 1 << ": the members, in order: " << [&] {
        std::string all;
        for (const auto& x : text) all += "\n  " + x;
        return all;
      }());
      const point dir = random_point(g);
      mode_laws<lo>(members{}, e, l, s, 0, p, dir, grads);
      mode_laws<lo>(members{}, e, l, v, 1, p, dir, grads);
      mode_laws<lo>(members{}, e, l, A, 4, p, dir, grads);
      mode_laws<lo>(members{}, e, l, B, 10, p, dir, grads);
    }
    ++accepted;
  }
  t.pairs += accepted * group_size;
  t.redrawn += attempts - accepted;
  INFO("group " << G);
  CHECK(accepted == c.points);  // a group whose points are all rejected tests nothing
}

template <std::size_t... G>
void check_family(const config& c, totals& t, std::index_sequence<G...>) {
  (check_group<G>(c, t), ...);
}

}  // namespace

TEST_CASE("random expressions: grad, jvp, d and hessian agree with each other and with finite differences",
          "[laws][property]") {
  const config c = read_config();
  totals t;
  check_family(c, t, std::make_index_sequence<n_groups>{});
  std::cout << "random_expressions: " << family_size << " expressions x " << c.points << " points = " << t.pairs
            << " pairs (seed " << c.seed << ", " << t.redrawn << " points redrawn)\n  operations:";
  for (const auto& [name, count] : t.ops) std::cout << " " << name << "(" << count << ")";
  std::cout << "\n";
  CHECK(t.pairs >= family_size * c.points);
}
