// Eigen objects bound to symbols (fixed, dynamic, Map, row- and column-major, expressions),
// gradients back as Eigen objects, views without a copy; checked against closed forms computed
// with Eigen itself and against central finite differences.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto W = tl::var<"W", 2, 3>;
constexpr auto z = tl::var<"z", 3>;
constexpr auto b = tl::var<"b", 2>;
// f = sum(tanh(W z + b)): df/dW = (1 - tanh^2(u)) z^T, df/dz = W^T (1 - tanh^2(u)), u = W z + b.
const auto f = tl::sum(tl::tanh(tl::matmul(W, z) + b));

// Not symmetric in any sense: a transposed binding changes every number below.
Eigen::Matrix<double, 2, 3> w_value() {
  Eigen::Matrix<double, 2, 3> w;
  w << 0.5, -1.0, 0.25,  //
      2.0, 0.75, -0.5;
  return w;
}
const Eigen::Vector3d z_value(0.3, -0.7, 1.1);
const Eigen::Vector2d b_value(0.1, -0.2);

struct closed_form {
  Eigen::Matrix<double, 2, 3> dW;
  Eigen::Vector3d dz;
  Eigen::Vector2d db;
  double value;
};
closed_form expected() {
  const Eigen::Vector2d u = w_value() * z_value + b_value;
  const Eigen::Vector2d s = (1.0 - u.array().tanh().square()).matrix();
  return {s * z_value.transpose(), w_value().transpose() * s, s, u.array().tanh().sum()};
}
}  // namespace

TEST_CASE("fixed-size Eigen matrices and vectors bind; gradients come back as Eigen objects",
          "[eigen]") {
  const auto want = expected();
  const auto g = tl::grad(f, tl::wrt(W, z, b), W = w_value(), z = z_value, b = b_value);
  const Eigen::Matrix<double, 2, 3> dW = tl::to_eigen(g[W]);
  const Eigen::Vector3d dz = tl::to_eigen(g[z]);
  CHECK((dW - want.dW).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((dz - want.dz).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((tl::to_eigen(g[b]) - want.db).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(tl::eval(f, W = w_value(), z = z_value, b = b_value) == Approx(want.value).epsilon(1e-15));
  // The binding keeps (i, j): the tapeless tensor is row-major, the Eigen matrix column-major.
  const auto bound = boost::hana::second(W = w_value());
  CHECK(bound(0, 1) == -1.0);
  CHECK(bound(1, 0) == 2.0);
  CHECK(bound.data[1] == -1.0);  // row-major: (0, 1) is element 1

  // Central finite differences of f in every element of W.
  const double h = 1e-6;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      Eigen::Matrix<double, 2, 3> wp = w_value(), wm = w_value();
      wp(i, j) += h;
      wm(i, j) -= h;
      const double fd = (tl::eval(f, W = wp, z = z_value, b = b_value) -
                         tl::eval(f, W = wm, z = z_value, b = b_value)) /
                        (2 * h);
      CHECK(dW(i, j) == Approx(fd).epsilon(1e-8));
    }
}

TEST_CASE("every Eigen layout binds to the same numbers", "[eigen]") {
  const auto want = expected();
  const auto check = [&](const auto& w_any, const auto& z_any) {
    const auto g = tl::grad(f, tl::wrt(W, z), W = w_any, z = z_any, b = b_value);
    CHECK((tl::to_eigen(g[W]) - want.dW).cwiseAbs().maxCoeff() < 1e-15);
    CHECK((tl::to_eigen(g[z]) - want.dz).cwiseAbs().maxCoeff() < 1e-15);
  };
  SECTION("dynamic-size") {
    const Eigen::MatrixXd w = w_value();
    const Eigen::VectorXd zv = z_value;
    check(w, zv);
  }
  SECTION("row-major, and a row vector for a vector symbol") {
    const Eigen::Matrix<double, 2, 3, Eigen::RowMajor> w = w_value();
    const Eigen::RowVector3d zr = z_value.transpose();
    check(w, zr);
  }
  SECTION("Eigen::Map over column-major and row-major arrays, and a strided Map") {
    const double col_major[6] = {0.5, 2.0, -1.0, 0.75, 0.25, -0.5};
    const double row_major[6] = {0.5, -1.0, 0.25, 2.0, 0.75, -0.5};
    const double zs[3] = {0.3, -0.7, 1.1};
    check(Eigen::Map<const Eigen::Matrix<double, 2, 3>>(col_major),
          Eigen::Map<const Eigen::Vector3d>(zs));
    check(Eigen::Map<const Eigen::Matrix<double, 2, 3, Eigen::RowMajor>>(row_major),
          Eigen::Map<const Eigen::VectorXd>(zs, 3));
    // Every other element of a longer array: z = (0.3, -0.7, 1.1) at stride 2.
    const double spaced[6] = {0.3, 99, -0.7, 99, 1.1, 99};
    check(Eigen::Map<const Eigen::MatrixXd>(col_major, 2, 3),
          Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<2>>(spaced, 3));
  }
  SECTION("expressions: evaluated, then bound") {
    const Eigen::Matrix<double, 3, 2> wt = w_value().transpose();
    check(wt.transpose(), 2.0 * z_value - z_value);
  }
  SECTION("integers bind as double") {
    Eigen::Matrix<int, 2, 3> wi;
    wi << 1, -2, 3, 4, 5, -6;
    const auto bound = boost::hana::second(W = wi);
    CHECK(bound == tl::matrix<double, 2, 3>{{1, -2, 3, 4, 5, -6}});
  }
}

TEST_CASE("a dynamic Eigen object of the wrong size names the symbol and both sizes", "[eigen]") {
  const auto message = [](auto&& bind) -> std::string {
    try {
      bind();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no invalid_argument)";
  };
  const Eigen::MatrixXd w32 = w_value().transpose();
  CHECK(message([&] { (void)(W = w32); }) ==
        "tapeless: binding \"W\": the Eigen object is 3x2, the symbol needs a 2x3");
  const Eigen::VectorXd z4 = Eigen::VectorXd::Zero(4);
  CHECK(message([&] { (void)(z = z4); }) ==
        "tapeless: binding \"z\": the Eigen object is 4x1, the symbol needs a 3-vector");
  const Eigen::MatrixXd m33 = Eigen::MatrixXd::Zero(3, 3);
  CHECK(message([&] { (void)(z = m33); }) ==
        "tapeless: binding \"z\": the Eigen object is 3x3, the symbol needs a 3-vector");
  const double raw[6] = {};
  CHECK(message([&] { (void)(W = Eigen::Map<const Eigen::MatrixXd>(raw, 1, 6)); }) ==
        "tapeless: binding \"W\": the Eigen object is 1x6, the symbol needs a 2x3");
}

TEST_CASE("gradients into Eigen objects: resized, or their size checked", "[eigen]") {
  const auto want = expected();
  const auto g = tl::grad(f, tl::wrt(W, z), W = w_value(), z = z_value, b = b_value);
  Eigen::MatrixXd dW;  // empty: resized to 2x3
  tl::eigen_into(g, W, dW);
  CHECK(dW.rows() == 2);
  CHECK(dW.cols() == 3);
  CHECK((dW - want.dW).cwiseAbs().maxCoeff() < 1e-15);
  Eigen::VectorXd dz(7);  // resized to 3
  tl::eigen_into(g, z, dz);
  CHECK((dz - want.dz).cwiseAbs().maxCoeff() < 1e-15);
  Eigen::RowVector3d dzr;
  tl::eigen_into(g, z, dzr);
  CHECK((dzr.transpose() - want.dz).cwiseAbs().maxCoeff() < 1e-15);
  // Into the caller's own memory through a Map: column-major, so raw[1] is (1, 0).
  double raw[6] = {};
  tl::eigen_into(g, W, Eigen::Map<Eigen::Matrix<double, 2, 3>>(raw));
  CHECK(raw[1] == want.dW(1, 0));
  CHECK(raw[2] == want.dW(0, 1));
  // A Map cannot be resized: a wrong size is an error, and nothing is written.
  double small[4] = {7, 7, 7, 7};
  try {
    tl::eigen_into(g, W, Eigen::Map<Eigen::MatrixXd>(small, 2, 2));
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "tapeless: eigen_into \"W\": the Eigen object is 2x2, the symbol needs a 2x3");
  }
  CHECK(small[0] == 7);
}

TEST_CASE("eigen_view: an Eigen::Map over a tapeless tensor, no copy, row-major", "[eigen]") {
  tl::matrix<double, 2, 3> t{{1, 2, 3, 4, 5, 6}};
  auto m = tl::eigen_view(t);
  CHECK(m.data() == t.data.data());
  CHECK(m(0, 2) == 3);
  CHECK(m(1, 0) == 4);
  m(1, 2) = -6;  // writes the tensor
  CHECK(t(1, 2) == -6);
  const Eigen::Vector3d ones = Eigen::Vector3d::Ones();
  const Eigen::Vector2d rows = m * ones;  // Eigen arithmetic on tapeless memory
  CHECK(rows(0) == 6);
  CHECK(rows(1) == 3);
  tl::vector<double, 3> v{{1, 2, 3}};
  CHECK(tl::eigen_view(v).dot(ones) == 6);
  // Parameters held in tapeless tensors, used from Eigen, bound with std::cref: no copy at all.
  tl::matrix<double, 2, 3> wt{};
  tl::eigen_view(wt) = w_value();
  const auto want = expected();
  const auto g = tl::grad(f, tl::wrt(W), W = std::cref(wt), z = z_value, b = b_value);
  CHECK((tl::to_eigen(g[W]) - want.dW).cwiseAbs().maxCoeff() < 1e-15);
  // A large tensor (its elements on the heap) is viewed the same way.
  tl::matrix<double, 40, 40> big{};
  big(3, 7) = 2.5;
  CHECK(tl::eigen_view(big)(3, 7) == 2.5);
  CHECK(tl::eigen_view(big).data() == big.data.data());
  const tl::matrix<double, 40, 40>& cbig = big;
  CHECK(tl::eigen_view(cbig).sum() == 2.5);
}

TEST_CASE("std::cref(an Eigen object in row order) binds without a copy", "[eigen]") {
  const auto want = expected();
  const Eigen::Matrix<double, 2, 3, Eigen::RowMajor> w = w_value();
  const Eigen::Vector3d zv = z_value;
  const auto bound = boost::hana::second(W = std::cref(w));
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(bound)>, tl::tensor_ref<double, 2, 3>>);
  CHECK(bound.data.data() == w.data());  // Eigen's own elements, read in place
  CHECK(bound(1, 0) == 2.0);

  const auto g = tl::grad(f, tl::wrt(W, z), W = std::cref(w), z = std::cref(zv), b = b_value);
  CHECK((tl::to_eigen(g[W]) - want.dW).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((tl::to_eigen(g[z]) - want.dz).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(tl::eval(f, W = std::cref(w), z = std::cref(zv), b = b_value) ==
        Approx(want.value).epsilon(1e-15));

  // The binding sees the object as it is when the sweep runs: it is a view, not a copy.
  Eigen::Matrix<double, 2, 3, Eigen::RowMajor> m = w_value();
  const auto bindings = tl::at(W = std::cref(m), z = z_value, b = b_value);
  const double before = tl::eval(f, bindings);
  m(1, 2) += 0.5;  // u_1 changes by 0.5 * z_2
  const double after = tl::eval(f, bindings);
  const Eigen::Vector2d u = w_value() * z_value + b_value;
  CHECK(before == Approx(want.value).epsilon(1e-15));
  CHECK(after == Approx(std::tanh(u(0)) + std::tanh(u(1) + 0.5 * 1.1)).epsilon(1e-15));

  // Dynamic sizes and a Map with row-order strides read in place too; other strides are refused.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> wd = w_value();
  CHECK(boost::hana::second(W = std::cref(wd)).data.data() == wd.data());
  const double row_major[8] = {0.5, -1.0, 0.25, 2.0, 0.75, -0.5, 7, 7};
  const Eigen::Map<const Eigen::Matrix<double, 2, 3, Eigen::RowMajor>> wm(row_major);
  CHECK((tl::to_eigen(tl::grad(f, tl::wrt(W), W = std::cref(wm), z = z_value, b = b_value)[W]) -
         want.dW)
            .cwiseAbs()
            .maxCoeff() < 1e-15);
  const double spaced[6] = {0.3, 99, -0.7, 99, 1.1, 99};
  const Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<2>> zs(spaced, 3);
  try {
    (void)(z = std::cref(zs));
    FAIL("a strided Map was bound without a copy");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("binding \"z\" with std::cref: the Eigen object's strides") !=
          std::string::npos);
  }
  const Eigen::MatrixXd wrong(3, 2);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> wrong_rm = wrong;
  CHECK_THROWS_WITH((void)(W = std::cref(wrong_rm)),
                    Catch::Contains("the Eigen object is 3x2, the symbol needs a 2x3"));
}
