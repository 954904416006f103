#pragma once
// Eigen interop (opt-in: needs Eigen 3.3 or later, Debian libeigen3-dev; CMake target
// tapeless::eigen). Numerics code that holds its data in Eigen uses it with tapeless as it is:
//
//   Eigen::Matrix<double, 2, 3> w = ...;   Eigen::VectorXd z = ...;   // any dense Eigen object
//   auto g = tl::grad(f, tl::wrt(W, z), W = w, z = zv);  // bind: fixed, dynamic, Map, expressions
//   Eigen::Matrix<double, 2, 3> dw = tl::to_eigen(g[W]);  // a gradient as an Eigen object
//   tl::eigen_into(g, z, zgrad);                          // or into one (resized, or size-checked)
//   auto view = tl::eigen_view(g[W]);                     // or an Eigen::Map over it, no copy
//
// Layout. A tapeless tensor is row-major and owns its elements (inline, or one heap block: see
// storage.hpp); Eigen is column-major unless told otherwise. Binding an Eigen object copies its
// coefficients into the tensor the symbol is bound to, in the tensor's row-major order, whatever
// the Eigen layout (column-major, row-major, strided Map, an unevaluated expression): element
// (i, j) is always w(i, j), so nothing is ever transposed by accident. It is one pass over the
// elements, the same cost as binding a tapeless tensor by value.
//
// Without a copy. `W = std::cref(w)` binds an Eigen object whose elements are already in the
// tensor's order (a vector with unit stride; a row-major matrix, or a Map with that layout) as a
// tensor_ref: a pointer to Eigen's own elements, read in place by the sweep, as std::cref(t) of a
// tapeless tensor is. The caller keeps w alive and unchanged while the binding is used. A
// column-major matrix cannot be read that way: std::cref of one is a compile error that says to
// bind it by value; a Map whose strides are known only at run time is checked when bound
// (std::invalid_argument). The scalar type must be the evaluation's (double or float); nothing
// is converted. The other direction: tl::eigen_view(t) is an Eigen::Map (row-major) over a
// tapeless tensor's own elements.
//
// Sizes. A fixed-size Eigen object of the wrong size is a compile error; a dynamic one is checked
// when bound, and a mismatch throws std::invalid_argument naming the symbol, the size the object
// has and the size the symbol needs. A vector symbol takes a column or a row vector.
//
// Odeint. Fixed-size Eigen vectors (Eigen::Matrix<T, N, 1>, e.g. Eigen::Vector2d) are states of
// tapeless::odeint::system and solve, like std::array: Odeint steps them with tapeless's
// static_algebra (chosen by the algebra_dispatcher specialised below), so neither Odeint's own
// Eigen support nor any resizing is involved.
#include <Eigen/Core>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "eval/bindings.hpp"
#include "odeint/state.hpp"
#include "tensor.hpp"

namespace tapeless {

namespace detail::eigen {

template <class V>
concept dense = std::is_base_of_v<Eigen::DenseBase<V>, V>;

inline std::string size_text(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// The fixed sizes of Eigen type V agree with shape S (Dynamic agrees with anything).
template <class V, class S>
constexpr bool fixed_sizes_fit() {
  constexpr int r = V::RowsAtCompileTime, c = V::ColsAtCompileTime;
  constexpr auto fits = [](int fixed, std::size_t want) {
    return fixed == Eigen::Dynamic || std::size_t(fixed) == want;
  };
  if constexpr (S::rank == 1) {
    constexpr std::size_t n = dim_v<0, S>;
    return (fits(r, n) && fits(c, 1)) || (fits(r, 1) && fits(c, n));
  } else if constexpr (S::rank == 2) {
    return fits(r, dim_v<0, S>) && fits(c, dim_v<1, S>);
  } else {
    return false;
  }
}

// The rows and columns an Eigen object must have for shape S; a vector shape takes either.
template <class S>
bool run_time_fits(std::size_t rows, std::size_t cols) {
  if constexpr (S::rank == 1)
    return (rows == dim_v<0, S> && cols == 1) || (rows == 1 && cols == dim_v<0, S>);
  else
    return rows == dim_v<0, S> && cols == dim_v<1, S>;
}
template <class S>
std::string shape_text() {
  if constexpr (S::rank == 1)
    return std::to_string(dim_v<0, S>) + "-vector";
  else
    return size_text(dim_v<0, S>, dim_v<1, S>);
}

[[noreturn]] inline void size_error(std::string_view what, std::string_view symbol,
                                    std::size_t rows, std::size_t cols, const std::string& needs) {
  throw std::invalid_argument("tapeless: " + std::string(what) + " \"" + std::string(symbol) +
                              "\": the Eigen object is " + size_text(rows, cols) +
                              ", the symbol needs a " + needs);
}

// Element (i, j) of shape S's row-major order is at tensor index i * cols + j; a vector's
// element k is the Eigen object's k-th coefficient (a column or a row).
template <class T, class S, class V>
value_t<T, S> copy_in(const V& v) {
  value_t<T, S> out{};
  if constexpr (S::rank == 1) {
    for (Eigen::Index k = 0; k < v.size(); ++k) out.data[std::size_t(k)] = T(v(k));
  } else {
    constexpr std::size_t cols = dim_v<1, S>;
    for (Eigen::Index i = 0; i < v.rows(); ++i)
      for (Eigen::Index j = 0; j < v.cols(); ++j)
        out.data[std::size_t(i) * cols + std::size_t(j)] = T(v.coeff(i, j));
  }
  return out;
}

// The Eigen matrix type with a tensor's shape and the tensor's row-major layout (a vector, or a
// matrix with one column, is column-major in Eigen's terms: the same layout).
template <class T, std::size_t R, std::size_t C>
using row_major_t = Eigen::Matrix<T, int(R), int(C), (C == 1 ? Eigen::ColMajor : Eigen::RowMajor)>;

}  // namespace detail::eigen

// Dense Eigen objects bind to symbols: `W = eigen_matrix` (see the top of the file).
template <detail::eigen::dense V>
struct foreign_value<V> {
  static constexpr bool is_foreign_value = true;
  template <class S>
  static auto to_value(const V& v, std::string_view symbol) {
    using scalar = typename V::Scalar;
    static_assert(std::is_floating_point_v<scalar> || std::is_integral_v<scalar>,
                  "tapeless: binding an Eigen object: its scalar type must be a real number type");
    using T = std::conditional_t<std::is_integral_v<scalar>, double, scalar>;
    static_assert(S::rank > 0,
                  "tapeless: binding an Eigen object to a scalar symbol: bind a number instead");
    static_assert(detail::eigen::fixed_sizes_fit<V, S>(),
                  "tapeless: binding a fixed-size Eigen object to a symbol: its size differs from "
                  "the symbol's shape");
    if (!detail::eigen::run_time_fits<S>(std::size_t(v.rows()), std::size_t(v.cols())))
      detail::eigen::size_error("binding", symbol, std::size_t(v.rows()), std::size_t(v.cols()),
                                detail::eigen::shape_text<S>());
    if constexpr (bool(int(V::Flags) & Eigen::DirectAccessBit)) {
      return detail::eigen::copy_in<T, S>(v);
    } else {
      // An expression (a product, a sum, a transpose of one): evaluated once, then copied.
      const typename V::PlainObject plain = v;
      return detail::eigen::copy_in<T, S>(plain);
    }
  }
};

// std::cref(w) of a dense Eigen object with direct access: bound as a view, no copy (see the top
// of the file).
template <detail::eigen::dense V>
struct foreign_value<std::reference_wrapper<const V>> {
  static constexpr bool is_foreign_value = true;
  template <class S>
  static auto to_value(std::reference_wrapper<const V> ref, std::string_view symbol) {
    const V& v = ref.get();
    using T = typename V::Scalar;
    static_assert(std::is_floating_point_v<T>,
                  "tapeless: binding std::cref(an Eigen object) without a copy: its scalar type "
                  "must be float or double; bind it by value (W = w) to convert it");
    static_assert(S::rank > 0,
                  "tapeless: binding an Eigen object to a scalar symbol: bind a number instead");
    static_assert(detail::eigen::fixed_sizes_fit<V, S>(),
                  "tapeless: binding a fixed-size Eigen object to a symbol: its size differs from "
                  "the symbol's shape");
    static_assert(bool(int(V::Flags) & Eigen::DirectAccessBit),
                  "tapeless: binding std::cref(an Eigen expression): only an object with its own "
                  "elements can be read without a copy; bind the expression by value (W = expr)");
    constexpr bool column_major_matrix = S::rank == 2 && !V::IsRowMajor &&
                                         V::RowsAtCompileTime != 1 && V::ColsAtCompileTime != 1;
    static_assert(!column_major_matrix,
                  "tapeless: binding std::cref(a column-major Eigen matrix): its elements are not "
                  "in the tensor's row-major order, so it cannot be read without a copy; bind it "
                  "by value (W = w), or keep it as Eigen::Matrix<T, R, C, Eigen::RowMajor>");
    const std::size_t rows = std::size_t(v.rows()), cols = std::size_t(v.cols());
    if (!detail::eigen::run_time_fits<S>(rows, cols))
      detail::eigen::size_error("binding", symbol, rows, cols, detail::eigen::shape_text<S>());
    // Element (i, j) must be at data + i * C + j: a vector's elements next to each other, a
    // matrix's rows one after the other.
    constexpr std::size_t C = S::rank == 2 ? dim_v<1, S> : 1;
    const bool in_order =
        S::rank == 1 ? ((rows == 1 || std::size_t(v.rowStride()) == 1) &&
                        (cols == 1 || std::size_t(v.colStride()) == 1))
                     : ((rows == 1 || std::size_t(v.rowStride()) == C) &&
                        (cols == 1 || std::size_t(v.colStride()) == 1));
    if (!in_order)
      throw std::invalid_argument(
          "tapeless: binding \"" + std::string(symbol) +
          "\" with std::cref: the Eigen object's strides (row " + std::to_string(v.rowStride()) +
          ", column " + std::to_string(v.colStride()) +
          ") do not lay its elements out row by row, so it cannot be read without a copy; bind "
          "it by value instead");
    if constexpr (S::rank == 1)
      return tensor_ref<T, dim_v<0, S>>{{v.data()}};
    else
      return tensor_ref<T, dim_v<0, S>, dim_v<1, S>>{{v.data()}};
  }
};

// A tapeless vector or matrix as an Eigen matrix of the same shape (a copy): a vector of N becomes
// Eigen::Matrix<T, N, 1>, a matrix Eigen::Matrix<T, R, C> (Eigen's default, column-major; the
// elements are where Eigen expects them: result(i, j) == t(i, j)).
template <class T, std::size_t... D>
Eigen::Matrix<T, int(tensor<T, D...>::rows), int(tensor<T, D...>::cols)> to_eigen(
    const tensor<T, D...>& t) {
  Eigen::Matrix<T, int(tensor<T, D...>::rows), int(tensor<T, D...>::cols)> out;
  for (std::size_t i = 0; i < tensor<T, D...>::rows; ++i)
    for (std::size_t j = 0; j < tensor<T, D...>::cols; ++j)
      out(Eigen::Index(i), Eigen::Index(j)) = t.data[i * tensor<T, D...>::cols + j];
  return out;
}

// An Eigen::Map over a tapeless tensor's own elements, row-major: no copy; writing through it
// writes the tensor. It lives as long as the tensor (and a heap tensor's block moves with it).
template <class T, std::size_t... D>
auto eigen_view(tensor<T, D...>& t) {
  using Tn = tensor<T, D...>;
  return Eigen::Map<detail::eigen::row_major_t<T, Tn::rows, Tn::cols>>(t.data.data());
}
template <class T, std::size_t... D>
auto eigen_view(const tensor<T, D...>& t) {
  using Tn = tensor<T, D...>;
  return Eigen::Map<const detail::eigen::row_major_t<T, Tn::rows, Tn::cols>>(t.data.data());
}
// (A temporary, such as grad(...)[W] of a bundle about to die, would leave the Map dangling.)
template <class T, std::size_t... D>
void eigen_view(tensor<T, D...>&&) = delete;

// bundle[x] (a gradient, a parameter) written into an Eigen object: a resizable one (MatrixXd,
// VectorXd) takes the symbol's size; a fixed-size one or a Map must have it, or
// std::invalid_argument names the symbol and both sizes. A vector symbol fills a column or a row.
template <class Bundle, class Sym, class Dst>
void eigen_into(const Bundle& bundle, const Sym& x, Dst&& dst) {
  using D = std::remove_cvref_t<Dst>;
  static_assert(detail::eigen::dense<D>,
                "tapeless::eigen_into: the target must be an Eigen object");
  using S = typename Sym::shape_type;
  static_assert(S::rank > 0, "tapeless::eigen_into: the symbol must be a vector or a matrix");
  static_assert(detail::eigen::fixed_sizes_fit<D, S>(),
                "tapeless::eigen_into: the fixed-size Eigen object's size differs from the "
                "symbol's shape");
  const auto& v = tapeless::detail::bound_value(bundle[x]);
  constexpr std::size_t rows = dim_v<0, S>, cols = S::rank == 2 ? dim_v<1, S> : 1;
  if constexpr (std::is_base_of_v<Eigen::PlainObjectBase<D>, D>) {
    if constexpr (S::rank == 1 && D::ColsAtCompileTime != 1 && D::RowsAtCompileTime == 1)
      dst.resize(1, Eigen::Index(rows));  // a row vector
    else if constexpr (S::rank == 1 && D::ColsAtCompileTime != 1 && D::RowsAtCompileTime != 1)
      dst.resize(Eigen::Index(rows), 1);  // a dynamic matrix takes a column
    else
      dst.resize(Eigen::Index(rows), Eigen::Index(cols));
  }
  if (!detail::eigen::run_time_fits<S>(std::size_t(dst.rows()), std::size_t(dst.cols())))
    detail::eigen::size_error("eigen_into", Sym::name, std::size_t(dst.rows()),
                              std::size_t(dst.cols()), detail::eigen::shape_text<S>());
  if constexpr (S::rank == 1)
    for (std::size_t k = 0; k < rows; ++k) dst(Eigen::Index(k)) = v.data[k];
  else
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        dst(Eigen::Index(i), Eigen::Index(j)) = v.data[i * cols + j];
}

}  // namespace tapeless

// Fixed-size Eigen column vectors as Odeint states (see the top of the file).
namespace tapeless::odeint::detail {
template <class T, int N, int Options>
  requires(N != Eigen::Dynamic)
struct static_state_traits<Eigen::Matrix<T, N, 1, Options, N, 1>> {
  static constexpr bool is_static = true;
  static constexpr std::size_t size = std::size_t(N);
  using value_type = T;
};
}  // namespace tapeless::odeint::detail

namespace boost::numeric::odeint {
template <class T, int N, int Options>
  requires(N != Eigen::Dynamic)
struct algebra_dispatcher<Eigen::Matrix<T, N, 1, Options, N, 1>> {
  using algebra_type = tapeless::odeint::static_algebra;
};
}  // namespace boost::numeric::odeint
