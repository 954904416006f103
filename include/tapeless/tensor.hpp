#pragma once
// Values: scalars are plain arithmetic types, vectors and matrices are fixed-size, row-major
// tensors. A shape is a type, so every shape check happens at compile time; where the elements
// live (inline, or one heap block for a large tensor) is storage.hpp's policy.
#include <array>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include "config.hpp"
#include "storage.hpp"

namespace tapeless {

// The static shape of an expression: shape<> scalar, shape<N> vector, shape<R, C> matrix.
template <std::size_t... D>
struct shape {
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr std::size_t size = (std::size_t{1} * ... * D);
};
using scalar_shape = shape<>;

template <class S>
inline constexpr bool is_shape_v = false;
template <std::size_t... D>
inline constexpr bool is_shape_v<shape<D...>> = true;

namespace detail {
template <std::size_t I, std::size_t... D>
consteval std::size_t nth_dim() {
  const std::size_t values[] = {D..., 0};
  return values[I];
}
}  // namespace detail
template <std::size_t I, class S>
inline constexpr std::size_t dim_v = 0;
template <std::size_t I, std::size_t... D>
inline constexpr std::size_t dim_v<I, shape<D...>> = detail::nth_dim<I, D...>();

// A fixed-size tensor of rank 1 or 2 (rank 0 is the scalar type itself).
template <class T, std::size_t... D>
struct tensor {
  static_assert(sizeof...(D) == 1 || sizeof...(D) == 2,
                "tapeless::tensor: only vectors (rank 1) and matrices (rank 2) are supported");
  static_assert(((D > 0) && ...), "tapeless::tensor: every dimension must be positive");
  using value_type = T;
  using shape_type = shape<D...>;
  static constexpr std::size_t size = shape_type::size;
  static constexpr std::size_t rows = dim_v<0, shape_type>;
  static constexpr std::size_t cols = sizeof...(D) == 2 ? dim_v<sizeof...(D) - 1, shape_type> : 1;

  using storage_type = detail::tensor_storage_t<T, size>;
  storage_type data;

  TAPELESS_INLINE constexpr T& operator[](std::size_t i) { return data[i]; }
  TAPELESS_INLINE constexpr const T& operator[](std::size_t i) const { return data[i]; }
  TAPELESS_INLINE constexpr T& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  TAPELESS_INLINE constexpr const T& operator()(std::size_t i, std::size_t j) const {
    return data[i * cols + j];
  }
  constexpr T* begin() { return data.data(); }
  constexpr T* end() { return data.data() + size; }
  constexpr const T* begin() const { return data.data(); }
  constexpr const T* end() const { return data.data() + size; }

  static constexpr tensor filled(T v) {
    tensor t{};
    for (auto& x : t.data) x = v;
    return t;
  }
  friend constexpr bool operator==(const tensor&, const tensor&) = default;
};

// A read-only view of elements laid out as a tensor<T, D...> (row-major, contiguous) that live
// elsewhere: what a foreign object bound with std::cref becomes when its layout is the tensor's
// (<tapeless/eigen.hpp>), so that binding it copies nothing. The owner keeps the elements alive
// and unchanged while the binding is in use, as for std::cref of a tensor.
template <class T, std::size_t... D>
struct tensor_ref {
  using value_type = T;
  using shape_type = shape<D...>;
  static constexpr std::size_t size = shape_type::size;
  static constexpr std::size_t rows = tensor<T, D...>::rows;
  static constexpr std::size_t cols = tensor<T, D...>::cols;

  // The elements, read as a tensor's data member is read (data[i], data.data()).
  struct elements {
    const T* p;
    TAPELESS_INLINE constexpr const T& operator[](std::size_t i) const { return p[i]; }
    TAPELESS_INLINE constexpr const T* data() const { return p; }
  };
  elements data;

  TAPELESS_INLINE constexpr const T& operator[](std::size_t i) const { return data[i]; }
  TAPELESS_INLINE constexpr const T& operator()(std::size_t i, std::size_t j) const {
    return data[i * cols + j];
  }
  constexpr const T* begin() const { return data.p; }
  constexpr const T* end() const { return data.p + size; }
};

template <class T, std::size_t N>
using vector = tensor<T, N>;
template <class T, std::size_t R, std::size_t C>
using matrix = tensor<T, R, C>;

// The value type of an expression of shape S evaluated with scalar type T.
template <class T, class S>
struct value_type_for;
template <class T>
struct value_type_for<T, shape<>> {
  using type = T;
};
template <class T, std::size_t... D>
struct value_type_for<T, shape<D...>> {
  using type = tensor<T, D...>;
};
template <class T, class S>
using value_t = typename value_type_for<T, S>::type;

// What a value is: its scalar type and its shape.
template <class V>
struct value_traits {
  static_assert(std::is_arithmetic_v<V>,
                "tapeless: a value must be an arithmetic scalar or a tapeless::tensor");
  using scalar = V;
  using shape_type = shape<>;
};
template <class T, std::size_t... D>
struct value_traits<tensor<T, D...>> {
  using scalar = T;
  using shape_type = shape<D...>;
};
template <class T, std::size_t... D>
struct value_traits<tensor_ref<T, D...>> {
  using scalar = T;
  using shape_type = shape<D...>;
};
template <class V>
using scalar_of_t = typename value_traits<std::remove_cvref_t<V>>::scalar;
template <class V>
using shape_of_value_t = typename value_traits<std::remove_cvref_t<V>>::shape_type;

template <class V>
concept Value = std::is_arithmetic_v<std::remove_cvref_t<V>> ||
                requires { typename std::remove_cvref_t<V>::shape_type; };

// Element access that treats a scalar as a tensor of one element, so element-wise rules are
// written once for scalars and tensors alike.
template <class V>
TAPELESS_INLINE constexpr decltype(auto) elem(V&& v, [[maybe_unused]] std::size_t i) {
  if constexpr (std::is_arithmetic_v<std::remove_cvref_t<V>>)
    return (v);
  else
    return (v.data[i]);
}
template <class V>
inline constexpr std::size_t size_of_value_v = shape_of_value_t<V>::size;

// Fill a value of any shape with one scalar.
template <class T, class S>
TAPELESS_INLINE constexpr value_t<T, S> filled(T v) {
  if constexpr (S::rank == 0)
    return v;
  else
    return value_t<T, S>::filled(v);
}

}  // namespace tapeless
