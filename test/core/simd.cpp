// The vectorised element-wise functions (tapeless::simd, detail/simd.hpp) against the scalar path
// (each op's scalar rule, <cmath> at run time): the ulp error over the whole range and at the edge
// cases, that tensor evaluation really runs the kernels, and gradients against scalar loops.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include <tapeless/tapeless.hpp>

static_assert(TAPELESS_SIMD, "this test is built with tapeless::simd");

namespace tl = tapeless;
namespace simd = tapeless::detail::simd;

namespace {

// Error of `got` in units in the last place of `want` (the spacing of T at |want|, denormals
// included). Equal values (infinities of one sign, zeros of one sign) and two NaNs are 0 apart;
// anything against a NaN, an infinity or a zero of the other sign is infinitely far.
template <class T>
double ulps(T got, T want) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : inf;
  if (got == want) return std::signbit(got) == std::signbit(want) ? 0 : inf;
  if (std::isinf(want) || std::isinf(got)) return inf;
  int e = 0;
  std::frexp(want, &e);
  const int lowest = std::numeric_limits<T>::min_exponent;  // below it the spacing is fixed
  const double spacing = std::ldexp(1.0, std::max(e, lowest) - std::numeric_limits<T>::digits);
  return std::fabs(double(got) - double(want)) / spacing;
}

// Each function: its op (whose scalar rule f is the reference) and its tensor expression.
// clang-format off
struct f_exp { using op = tl::exp_op; static constexpr auto of(auto a) { return tl::exp(a); } };
struct f_log { using op = tl::log_op; static constexpr auto of(auto a) { return tl::log(a); } };
struct f_tanh { using op = tl::tanh_op; static constexpr auto of(auto a) { return tl::tanh(a); } };
struct f_sigmoid { using op = tl::sigmoid_op; static constexpr auto of(auto a) { return tl::sigmoid(a); } };
struct f_softplus { using op = tl::softplus_op; static constexpr auto of(auto a) { return tl::softplus(a); } };
struct f_sin { using op = tl::sin_op; static constexpr auto of(auto a) { return tl::sin(a); } };
struct f_cos { using op = tl::cos_op; static constexpr auto of(auto a) { return tl::cos(a); } };
struct f_sqrt { using op = tl::sqrt_op; static constexpr auto of(auto a) { return tl::sqrt(a); } };
// clang-format on

// 4099 elements: more than one chunk of a fused operand (simd::chunk), and a partial last batch
// for every batch width.
constexpr std::size_t n = 4099;
static_assert(n > simd::chunk && n % 16 != 0);
constexpr auto x = tl::var<"x", n>;
constexpr auto one = tl::var<"one", n>;

template <class T>
using big = tl::vector<T, n>;

// A range of arguments: uniform in [lo, hi], or (log) +-e^u with u uniform in [lo, hi].
struct range {
  double lo, hi;
  bool log = false;
};

struct sweep_result {
  double max_ulps = 0;
  double at = 0;
  bool kernel_bitwise = true;  // tensor evaluation returned exactly the kernel's values
};

// Runs F's kernel over the range and measures the ulp error of every element against the scalar
// rule; evaluates F two ways (the operand bound, and computed on the fly as x * 1, a fused
// operand) and checks that both give exactly the kernel's values (or the scalar rule's, where
// the kernel is not used).
template <class F, class T>
void sweep(const range& r, std::mt19937_64& rng, sweep_result& out) {
  std::uniform_real_distribution<double> u(r.lo, r.hi);
  std::bernoulli_distribution sign(0.5);
  big<T> v{}, ones{}, direct{}, in_place{};
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<T>(r.log ? (sign(rng) ? -1 : 1) * std::exp(u(rng)) : u(rng));
    ones[i] = T(1);
  }
  const big<T> bound = tl::eval(F::of(x), x = std::cref(v));
  const big<T> fused = tl::eval(F::of(x * one), x = std::cref(v), one = std::cref(ones));
  using K = typename simd::kernel_of<typename F::op>::type;
  simd::map_array<K, xsimd::batch<T>>(direct.data.data(), v.data.data(), n);
  // A fused operand is transformed in place, chunk by chunk: its last batch is padded, not
  // overlapping, and xsimd's sin and cos pick their argument reduction per batch, so the values
  // of that batch can differ in the last ulp from the out-of-place run's.
  in_place = v;
  for (std::size_t c = 0; c < n; c += simd::chunk)
    simd::map_array<K, xsimd::batch<T>>(in_place.data.data() + c, in_place.data.data() + c,
                                        std::min(simd::chunk, n - c));
  for (std::size_t i = 0; i < n; ++i) {
    const T want = F::op::f(v[i]);
    const double e = ulps(direct[i], want);
    if (e > out.max_ulps) out.max_ulps = e, out.at = double(v[i]);
    // Evaluation gives the kernel's values where the kernel is used, else the scalar rule's;
    // bitwise, so that NaNs compare too.
    constexpr bool used = simd::vectorised_v<typename F::op, big<T>>;
    const T expected = used ? direct[i] : want, expected_fused = used ? in_place[i] : want;
    out.kernel_bitwise = out.kernel_bitwise &&
                         std::memcmp(&bound[i], &expected, sizeof(T)) == 0 &&
                         std::memcmp(&fused[i], &expected_fused, sizeof(T)) == 0;
    const double e2 = ulps(in_place[i], want);
    if (e2 > out.max_ulps) out.max_ulps = e2, out.at = double(v[i]);
  }
}

template <class F, class T>
void check_sweep(const char* name, std::initializer_list<range> ranges) {
  std::mt19937_64 rng(20261202u);
  sweep_result res;
  for (const range& r : ranges)
    for (int rep = 0; rep < 4; ++rep) sweep<F, T>(r, rng, res);
  std::printf("simd %-8s %-6s (%s): max %.0f ulp at %.9g\n", name, sizeof(T) == 8 ? "double" : "float",
              xsimd::default_arch::name(), res.max_ulps, res.at);
  INFO(name << " " << (sizeof(T) == 8 ? "double" : "float") << ": worst at " << res.at);
  CHECK(res.max_ulps <= 4);
  CHECK(res.kernel_bitwise);
}

// The edge cases every function is checked at, and its own thresholds.
template <class T>
std::vector<T> edge_values(std::initializer_list<double> extra) {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0),         -T(0),         L::denorm_min(), -L::denorm_min(),
                      L::min() / 3, -L::min() / 3, L::min(),        -L::min(),
                      L::max(),     -L::max(),     L::infinity(),   -L::infinity(),
                      L::quiet_NaN(), T(1),        T(-1),           T(0.5),
                      T(1e-30),     T(-1e-30),     T(30),           T(-30)};
  for (double d : extra) v.push_back(static_cast<T>(d));
  return v;
}

template <class F, class T>
void check_edges(const char* name, std::initializer_list<double> extra) {
  const std::vector<T> values = edge_values<T>(extra);
  constexpr std::size_t m = 40;
  REQUIRE(values.size() <= m);
  constexpr auto e = tl::var<"e", m>;
  tl::vector<T, m> v{};
  for (std::size_t i = 0; i < m; ++i) v[i] = i < values.size() ? values[i] : T(0);
  tl::vector<T, m> got{};  // the kernel itself, whether or not evaluation uses it (sweep above)
  simd::map_array<typename simd::kernel_of<typename F::op>::type, xsimd::batch<T>>(
      got.data.data(), v.data.data(), m);
  const tl::vector<T, m> evaluated = tl::eval(F::of(e), e = v);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const T want = F::op::f(v[i]);
    INFO(name << "(" << double(v[i]) << "): simd " << double(got[i]) << ", scalar "
              << double(want) << ", evaluated " << double(evaluated[i]));
    CHECK(ulps(got[i], want) <= 4);
    const T expected = simd::vectorised_v<typename F::op, tl::vector<T, m>> ? got[i] : want;
    CHECK(std::memcmp(&evaluated[i], &expected, sizeof(T)) == 0);
  }
}

// sin and cos next to their zeros: the doubles (floats) nearest k pi/2 and their neighbours, for
// k up to 4000 (xsimd's short and medium reductions both).
template <class F, class T>
void check_near_zeros(const char* name) {
  big<T> v{};
  for (std::size_t i = 0; i < n; ++i) {
    const long double k = static_cast<long double>(i / 5 + 1);
    T a = static_cast<T>(k * 1.57079632679489661923132169163975144L);
    for (std::size_t j = 0; j < i % 5; ++j) a = std::nextafter(a, T(1e30));
    v[i] = a;
  }
  big<T> got{};
  simd::map_array<typename simd::kernel_of<typename F::op>::type, xsimd::batch<T>>(
      got.data.data(), v.data.data(), n);
  double worst = 0, at = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (const double e = ulps(got[i], F::op::f(v[i])); e > worst) worst = e, at = double(v[i]);
  std::printf("simd %-8s %-6s near its zeros: max %.0f ulp at %.9g\n", name,
              sizeof(T) == 8 ? "double" : "float", worst, at);
  INFO(name << " near k pi/2: worst at " << at);
  CHECK(worst <= 4);
}

// Huge magnitudes: e^u for u up to ln(max).
constexpr double ln_max_d = 709.78, ln_max_f = 88.72;
constexpr double ln_min_d = -744.4, ln_min_f = -103.2;  // ln(denorm_min)

}  // namespace

TEST_CASE("simd: the vector path is the one taken for double and float tensors", "[simd]") {
  STATIC_REQUIRE(simd::vectorised_v<tl::tanh_op, tl::vector<double, 50>>);
  STATIC_REQUIRE(simd::vectorised_v<tl::exp_op, tl::matrix<float, 3, 4>>);
  STATIC_REQUIRE_FALSE(simd::vectorised_v<tl::exp_op, double>);               // scalars
  STATIC_REQUIRE_FALSE(simd::vectorised_v<tl::exp_op, tl::vector<long double, 4>>);
  STATIC_REQUIRE_FALSE(simd::vectorised_v<tl::relu_op, tl::vector<double, 4>>);  // no kernel
  // slower than glibc on two double lanes (SSE2): scalar there, vectorised from AVX on
  STATIC_REQUIRE(simd::vectorised_v<tl::log_op, tl::vector<double, 4>> ==
                 (xsimd::batch<double>::size >= 4));
  STATIC_REQUIRE(simd::vectorised_v<tl::log_op, tl::vector<float, 4>>);
}

TEST_CASE("simd: constant evaluation and scalars keep the scalar path", "[simd]") {
  // Would not compile if constant evaluation entered the (non-constexpr) vector kernels.
  constexpr auto v = tl::var<"v", 3>;
  constexpr auto c = tl::eval(tl::exp(v) + tl::tanh(v), v = tl::vector<double, 3>{{-1, 0.5, 2}});
  // the constexpr series of detail/cmath.hpp, bit for bit
  constexpr double want = tl::detail::cmath::exp(2.0) + tl::detail::cmath::tanh(2.0);
  STATIC_REQUIRE(c[2] == want);
  CHECK(c[2] == Approx(std::exp(2.0) + std::tanh(2.0)).epsilon(1e-15));
  // A scalar node is computed by std::exp itself, bit for bit.
  constexpr auto s = tl::var<"s">;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-700, 700);
  for (int i = 0; i < 1000; ++i) {
    const double a = u(rng);
    REQUIRE(tl::eval(tl::exp(s), s = a) == std::exp(a));
    REQUIRE(tl::eval(tl::sin(s), s = a) == std::sin(a));
  }
}

TEST_CASE("simd: ulp error against <cmath> over the whole range, double", "[simd][ulp]") {
  using T = double;
  const double lo = ln_min_d, hi = ln_max_d;
  check_sweep<f_exp, T>("exp", {{-746, 710}, {-1, 1}, {709, 709.79}, {-745.2, -700}, {-40, 40}});
  check_sweep<f_log, T>("log", {{lo, hi, true}, {0.5, 2}, {lo, -700, true}, {-1, 1, true}});
  check_sweep<f_tanh, T>("tanh", {{-20, 20}, {-1, 1}, {lo, hi, true}, {-0.7, 0.7}});
  check_sweep<f_sigmoid, T>("sigmoid", {{-746, 710}, {-20, 20}, {lo, hi, true}});
  check_sweep<f_softplus, T>("softplus", {{-746, 710}, {-40, 40}, {lo, hi, true}});
  check_sweep<f_sin, T>("sin", {{-10, 10}, {-1e5, 1e5}, {lo, hi, true}});
  check_sweep<f_cos, T>("cos", {{-10, 10}, {-1e5, 1e5}, {lo, hi, true}});
  check_sweep<f_sqrt, T>("sqrt", {{0, 1e6}, {lo, hi, true}});
}

TEST_CASE("simd: ulp error against <cmath> over the whole range, float", "[simd][ulp]") {
  using T = float;
  const double lo = ln_min_f, hi = ln_max_f;
  check_sweep<f_exp, T>("exp", {{-104, 89}, {-1, 1}, {88, 88.72}, {-103.9, -87}, {-20, 20}});
  check_sweep<f_log, T>("log", {{lo, hi, true}, {0.5, 2}, {lo, -87, true}});
  check_sweep<f_tanh, T>("tanh", {{-10, 10}, {-1, 1}, {lo, hi, true}});
  check_sweep<f_sigmoid, T>("sigmoid", {{-104, 89}, {-20, 20}, {lo, hi, true}});
  check_sweep<f_softplus, T>("softplus", {{-104, 89}, {-20, 20}, {lo, hi, true}});
  check_sweep<f_sin, T>("sin", {{-10, 10}, {-1e4, 1e4}, {lo, hi, true}});
  check_sweep<f_cos, T>("cos", {{-10, 10}, {-1e4, 1e4}, {lo, hi, true}});
  check_sweep<f_sqrt, T>("sqrt", {{0, 1e6}, {lo, hi, true}});
}

TEST_CASE("simd: edge cases (zeros, denormals, thresholds, infinities, NaN)", "[simd][edges]") {
  // exp: the overflow threshold ln(max) = 709.78271289338397, the last normal result at
  // -708.39641853226408, the smallest denormal at -745.13321910194111, 0 below.
  check_edges<f_exp, double>("exp", {709.782712893383, 709.7827128933841, 709.79, -708.396418532264,
                                     -708.4, -720, -745.1332191019411, -745.14, -746, 1e300, -1e300});
  check_edges<f_exp, float>("exp", {88.72283, 88.7229, -87.33654, -87.4, -95, -103.27893, -103.98,
                                    -104.5, 1e30, -1e30});
  check_edges<f_log, double>("log", {1e-310, 2.2e-308, 1e308, 0.9999999999999999, 1.0000000000000002});
  check_edges<f_log, float>("log", {1e-40f, 1.1e-38f, 3e38f, 0.99999994f, 1.0000001f});
  check_edges<f_tanh, double>("tanh", {19.06, 22, 710, -710, 1e-310, 0.625, -0.625});
  check_edges<f_tanh, float>("tanh", {9.01, 10, 89, -89, 1e-40, 0.625, -0.625});
  check_edges<f_sigmoid, double>("sigmoid", {36.7, 37.5, 708.4, -708.4, -745.1, -746, 746});
  check_edges<f_sigmoid, float>("sigmoid", {16.7, 17.5, 87.4, -87.4, -103.2, -104.5, 104.5});
  check_edges<f_softplus, double>("softplus", {36.7, 37.5, 708.4, -708.4, -745.1, -746, 746, 1e300});
  check_edges<f_softplus, float>("softplus", {16.7, 17.5, 87.4, -87.4, -103.2, -104.5, 104.5});
  check_edges<f_sin, double>("sin", {3.141592653589793, 1.5707963267948966, 1e22, 1e300, -1e300});
  check_edges<f_sin, float>("sin", {3.14159274f, 1.57079637f, 1e10f, 3e38f});
  check_edges<f_cos, double>("cos", {3.141592653589793, 1.5707963267948966, 1e22, 1e300, -1e300});
  check_edges<f_cos, float>("cos", {3.14159274f, 1.57079637f, 1e10f, 3e38f});
  check_near_zeros<f_sin, double>("sin");
  check_near_zeros<f_cos, double>("cos");
  check_near_zeros<f_sin, float>("sin");
  check_near_zeros<f_cos, float>("cos");
  check_edges<f_sqrt, double>("sqrt", {2, 4, 1e-310});
  check_edges<f_sqrt, float>("sqrt", {2, 4, 1e-40});
}

// ---- gradients: tapeless (vector kernels) against a scalar loop with <cmath> -----------------
namespace {

// |got - want| <= tol * max_j |want_j|: relative to the size of the gradient (a component that
// is a sum may cancel to near zero).
template <class V>
double max_abs(const V& v) {
  double m = 0;
  for (std::size_t i = 0; i < v.size; ++i) m = std::max(m, std::fabs(double(v[i])));
  return m;
}
template <class V>
void check_relative(const char* what, const V& got, const V& want, double tol = 1e-14) {
  const double scale = max_abs(want);
  REQUIRE(scale > 0);
  double worst = 0;
  for (std::size_t i = 0; i < want.size; ++i)
    worst = std::max(worst, std::fabs(double(got[i]) - double(want[i])) / scale);
  INFO(what << ": largest difference " << worst << " of the gradient's size");
  CHECK(worst <= tol);
}

constexpr std::size_t g_n = 101;
constexpr auto gx = tl::var<"gx", g_n>;
constexpr auto gw = tl::var<"gw", g_n>;
using gvec = tl::vector<double, g_n>;

gvec random_vec(std::mt19937_64& rng, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  gvec v{};
  for (auto& e : v.data) e = u(rng);
  return v;
}

// d/dx sum(w f(x)) = w f'(x), f' as the scalar path computes it.
template <class F>
void check_gradient(const char* name, double lo, double hi, double (*dfdx)(double)) {
  std::mt19937_64 rng(99);
  for (int rep = 0; rep < 5; ++rep) {
    const gvec v = random_vec(rng, lo, hi), w = random_vec(rng, -2, 2);
    const auto r = tl::value_and_grad(tl::sum(F::of(gx) * gw), tl::wrt(gx), gx = v, gw = w);
    gvec want{};
    double value = 0, size = 0;
    for (std::size_t i = 0; i < g_n; ++i) {
      want[i] = w[i] * dfdx(v[i]);
      value += F::op::f(v[i]) * w[i];
      size += std::fabs(F::op::f(v[i]) * w[i]);
    }
    INFO(name);
    CHECK(std::fabs(r.value - value) <= 1e-14 * size);
    check_relative(name, r.gradient[gx], want);
  }
}

double sigmoid_scalar(double a) { return tl::sigmoid_op::f(a); }

}  // namespace

TEST_CASE("simd: gradients agree with scalar loops to 1e-14 relative", "[simd][grad]") {
  // Arguments where a model's activations live (|x| <= 2): beyond it 1 - tanh^2 and
  // sigmoid (1 - sigmoid) cancel, and any ulp of difference in the value is magnified.
  check_gradient<f_exp>("exp", -5, 5, [](double a) { return std::exp(a); });
  check_gradient<f_log>("log", 0.1, 10, [](double a) { return 1 / a; });
  check_gradient<f_tanh>("tanh", -2, 2, [](double a) { return 1 - std::tanh(a) * std::tanh(a); });
  check_gradient<f_sigmoid>("sigmoid", -2, 2, [](double a) {
    return sigmoid_scalar(a) * (1 - sigmoid_scalar(a));
  });
  check_gradient<f_softplus>("softplus", -5, 5, sigmoid_scalar);
  check_gradient<f_sin>("sin", -4, 4, [](double a) { return std::cos(a); });
  check_gradient<f_cos>("cos", -4, 4, [](double a) { return -std::sin(a); });
  check_gradient<f_sqrt>("sqrt", 0.1, 10, [](double a) { return 0.5 / std::sqrt(a); });
}

TEST_CASE("simd: an MLP's vjp agrees with hand-written scalar code to 1e-14 relative",
          "[simd][grad]") {
  constexpr std::size_t H = 50;
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto W1 = tl::var<"W1", H, 2>;
  constexpr auto b1 = tl::var<"b1", H>;
  constexpr auto W2 = tl::var<"W2", 2, H>;
  constexpr auto b2 = tl::var<"b2", 2>;
  // tanh and softplus layers, a sigmoid gate: three kernels in one sweep
  constexpr auto f =
      tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1) * tl::sigmoid(b1)) + tl::softplus(b2);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  tl::vector<double, 2> zv{}, uv{}, b2v{};
  tl::matrix<double, H, 2> W1v{};
  tl::vector<double, H> b1v{};
  tl::matrix<double, 2, H> W2v{};
  for (auto* p : {&zv.data[0], &zv.data[1], &uv.data[0], &uv.data[1], &b2v.data[0], &b2v.data[1]})
    *p = u(rng);
  for (auto& e : W1v.data) e = 0.7 * u(rng);
  for (auto& e : b1v.data) e = 0.5 * u(rng);
  for (auto& e : W2v.data) e = u(rng);
  const auto r = tl::value_and_vjp(f, uv, tl::wrt(z, W1, b1, W2, b2), z = zv, W1 = W1v, b1 = b1v,
                                   W2 = W2v, b2 = b2v);

  // By hand: a = W1 z + b1, h = tanh(a), s = sigmoid(b1), q = h s, y = W2 q + softplus(b2).
  std::array<double, H> h{}, s{}, q{};
  for (std::size_t i = 0; i < H; ++i) {
    h[i] = std::tanh(W1v(i, 0) * zv[0] + W1v(i, 1) * zv[1] + b1v[i]);
    s[i] = sigmoid_scalar(b1v[i]);
    q[i] = h[i] * s[i];
  }
  tl::vector<double, 2> y{}, gz{}, gb2{};
  tl::matrix<double, H, 2> gW1{};
  tl::vector<double, H> gb1{};
  tl::matrix<double, 2, H> gW2{};
  for (std::size_t k = 0; k < 2; ++k) {
    double acc = 0;
    for (std::size_t i = 0; i < H; ++i) acc += W2v(k, i) * q[i];
    y[k] = acc + tl::softplus_op::f(b2v[k]);
    gb2[k] = uv[k] * sigmoid_scalar(b2v[k]);
    for (std::size_t i = 0; i < H; ++i) gW2(k, i) = uv[k] * q[i];
  }
  for (std::size_t i = 0; i < H; ++i) {
    const double gq = uv[0] * W2v(0, i) + uv[1] * W2v(1, i);
    const double ga = gq * s[i] * (1 - h[i] * h[i]);
    gb1[i] = ga + gq * h[i] * s[i] * (1 - s[i]);
    gW1(i, 0) = ga * zv[0];
    gW1(i, 1) = ga * zv[1];
    gz[0] += ga * W1v(i, 0);
    gz[1] += ga * W1v(i, 1);
  }
  check_relative("value", r.value, y);
  check_relative("dz", r.gradient[z], gz);
  check_relative("dW1", r.gradient[W1], gW1);
  check_relative("db1", r.gradient[b1], gb1);
  check_relative("dW2", r.gradient[W2], gW2);
  check_relative("db2", r.gradient[b2], gb2);
}
