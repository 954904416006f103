#pragma once
// Boost.uBLAS before 1.75 calls std::allocator<T>::construct and ::destroy, which C++20 removed, in
// two members of unbounded_array, the storage of ublas::vector and ublas::matrix. Odeint's implicit
// steppers (rosenbrock4, implicit_euler) hold their states in those types, so with Boost 1.74 they
// do not compile as C++20 at all. The two members are given here for the element types Odeint's
// implicit steppers use (float, double, and std::size_t for the LU pivots), written with
// std::allocator_traits; the behaviour is the one uBLAS documents (trivial element types).
// This header must be seen before the first use of those types in a translation unit; every
// tapeless Odeint header includes it.
#include <boost/version.hpp>

#if BOOST_VERSION < 107500 && __cplusplus > 201703L
#include <algorithm>
#include <boost/numeric/ublas/storage.hpp>
#include <cstddef>
#include <memory>

#define TAPELESS_UBLAS_UNBOUNDED_ARRAY_FIX(T)                                                    \
  template <>                                                                                    \
  inline unbounded_array<T, std::allocator<T>>::unbounded_array(size_type size,                  \
                                                                const std::allocator<T>& a)      \
      : alloc_(a), size_(size) {                                                                 \
    data_ = size_ ? std::allocator_traits<std::allocator<T>>::allocate(alloc_, size_) : nullptr; \
    std::fill(data_, data_ + size_, T());                                                        \
  }                                                                                              \
  template <>                                                                                    \
  inline void unbounded_array<T, std::allocator<T>>::resize_internal(                            \
      const size_type size, const value_type init, const bool preserve) {                        \
    if (size == size_) return;                                                                   \
    using traits = std::allocator_traits<std::allocator<T>>;                                     \
    pointer old = data_;                                                                         \
    data_ = size ? traits::allocate(alloc_, size) : nullptr;                                     \
    if (size) {                                                                                  \
      const size_type kept = preserve ? std::min(size, size_) : 0;                               \
      std::copy(old, old + kept, data_);                                                         \
      std::fill(data_ + kept, data_ + size, preserve ? init : T());                              \
    }                                                                                            \
    if (size_) traits::deallocate(alloc_, old, size_);                                           \
    size_ = size;                                                                                \
  }

namespace boost::numeric::ublas {
TAPELESS_UBLAS_UNBOUNDED_ARRAY_FIX(float)
TAPELESS_UBLAS_UNBOUNDED_ARRAY_FIX(double)
TAPELESS_UBLAS_UNBOUNDED_ARRAY_FIX(std::size_t)
}  // namespace boost::numeric::ublas

#undef TAPELESS_UBLAS_UNBOUNDED_ARRAY_FIX
#endif
