#pragma once
// States Odeint can step for tapeless: std::array<T, N> and tapeless::vector<T, N> (fixed size),
// std::vector<T> (Odeint's most common state, its size checked at run time) and
// boost::numeric::ublas::vector<T> (what the implicit steppers require).
//
// Fixed-size states get `static_algebra`, an Odeint algebra (the for_each1..15 / norm_inf table of
// Odeint's Algebra concept) that loops over indices with the size known at compile time. Odeint
// picks it for tapeless::vector through the `algebra_dispatcher` trait specialised below, so
// `runge_kutta_dopri5<tl::vector<double, 2>>` works as it is; the adjoint solver also uses it for
// its own augmented states.
#include <algorithm>
#include <array>
#include <boost/numeric/odeint/algebra/algebra_dispatcher.hpp>
#include <boost/numeric/odeint/algebra/default_operations.hpp>
#include <boost/numeric/ublas/fwd.hpp>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../detail/blocks.hpp"
#include "../tensor.hpp"
#include "detail/raw_tuple.hpp"
#include "detail/ublas_cxx20.hpp"

namespace tapeless::odeint {

namespace detail {
template <class S>
struct static_state_traits {
  static constexpr bool is_static = false;
};
template <class T, std::size_t N>
struct static_state_traits<std::array<T, N>> {
  static constexpr bool is_static = true;
  static constexpr std::size_t size = N;
  using value_type = T;
};
template <class T, std::size_t N>
struct static_state_traits<tensor<T, N>> {
  static constexpr bool is_static = true;
  static constexpr std::size_t size = N;
  using value_type = T;
};

// The solver's own fixed-size states: like std::array, but zeroed on construction. Odeint
// steppers are copied when they are built (controlled_runge_kutta copies its stepper, dense output
// its controller), and with them their state buffers; copying buffers nobody has written yet is
// what g++ -O3 -Wuninitialized objects to.
template <class T, std::size_t N>
struct buffer {
  std::array<T, N> data{};
  TAPELESS_INLINE constexpr T& operator[](std::size_t i) { return data[i]; }
  TAPELESS_INLINE constexpr const T& operator[](std::size_t i) const { return data[i]; }
};
template <class T, std::size_t N>
struct static_state_traits<buffer<T, N>> {
  static constexpr bool is_static = true;
  static constexpr std::size_t size = N;
  using value_type = T;
};

// A state made of parts, tensors and scalars of one scalar type V, side by side in a raw_tuple:
// the solver's augmented adjoint states. Their layout is that of the results of one sweep of the
// augmented dynamics ([f, a^T df/dz, a^T df/dtheta..., a^T df/dt] for [z, a, a_theta..., a_t]), so
// the right-hand side writes the derivative in place, without a copy. Element-wise work (the
// algebra, the error norm) runs part by part, each part a plain loop.
template <class V, class... Parts>
struct parted_state {
  static constexpr std::size_t count = sizeof...(Parts);
  static constexpr std::array<std::size_t, count + 1> offsets = [] {
    std::array<std::size_t, count + 1> o{};
    const std::size_t sizes[] = {size_of_value_v<Parts>..., 0};
    for (std::size_t k = 0; k < count; ++k) o[k + 1] = o[k] + sizes[k];
    return o;
  }();
  static constexpr std::size_t size = offsets[count];

  raw_tuple<Parts...> parts{};  // zeroed: see buffer

  // Element i of the flattened state (for the cold paths: jumps, checks, the initial step).
  V& operator[](std::size_t i) { return *find(this, i); }
  const V& operator[](std::size_t i) const { return *find(this, i); }

 private:
  template <class Self>
  static auto find(Self* self, std::size_t i) {
    decltype(&elem(item<0>(self->parts), 0)) r = nullptr;
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      (void)((i >= offsets[k] && i < offsets[k + 1]
                  ? (r = &elem(item<k>(self->parts), i - offsets[k]), true)
                  : false) ||
             ...);
    }
    (std::make_index_sequence<count>{});
    return r;
  }
};
template <class V, class... Parts>
struct static_state_traits<parted_state<V, Parts...>> {
  static constexpr bool is_static = true;
  static constexpr std::size_t size = parted_state<V, Parts...>::size;
  using value_type = V;
};
template <class S>
inline constexpr bool is_parted_v = false;
template <class V, class... Parts>
inline constexpr bool is_parted_v<parted_state<V, Parts...>> = true;

// Odeint's scale_sumN operations: op(t1, t2, ...) writes t1 from the others and reads nothing
// else, so elements may be loaded before any of them is stored (apply_to_elements).
template <class Op>
inline constexpr bool writes_first_only_v = false;
#define TAPELESS_ODEINT_SCALE_SUM(N)                                              \
  template <class... F>                                                           \
  inline constexpr bool                                                           \
      writes_first_only_v<boost::numeric::odeint::default_operations::scale_sum##N<F...>> = true;
TAPELESS_ODEINT_SCALE_SUM(1)
TAPELESS_ODEINT_SCALE_SUM(2)
TAPELESS_ODEINT_SCALE_SUM(3)
TAPELESS_ODEINT_SCALE_SUM(4)
TAPELESS_ODEINT_SCALE_SUM(5)
TAPELESS_ODEINT_SCALE_SUM(6)
TAPELESS_ODEINT_SCALE_SUM(7)
TAPELESS_ODEINT_SCALE_SUM(8)
TAPELESS_ODEINT_SCALE_SUM(9)
TAPELESS_ODEINT_SCALE_SUM(10)
TAPELESS_ODEINT_SCALE_SUM(11)
TAPELESS_ODEINT_SCALE_SUM(12)
TAPELESS_ODEINT_SCALE_SUM(13)
TAPELESS_ODEINT_SCALE_SUM(14)
#undef TAPELESS_ODEINT_SCALE_SUM

// out[i] = op(in[i]...) for i < n, for an op of writes_first_only_v, in blocks whose elements
// are computed before they are stored (detail/blocks.hpp): vectorised even for Odeint's in-place
// updates, the same bits. op is a local copy: through a reference, every store might change its
// factors, which were then reloaded for every element (15% of a spiral training iteration went
// to one such loop).
template <std::size_t n, class Op, class V, class... In>
TAPELESS_INLINE void apply_to_elements(const Op& op_ref, V* out, const In*... in) {
  const Op op = op_ref;
  // (the pointers captured by value: the optimiser then keeps them in registers)
  tapeless::detail::store_in_blocks<n>([out](std::size_t i, V v) TAPELESS_INLINE_LAMBDA { out[i] = v; },
                                       [op, in...](std::size_t i) TAPELESS_INLINE_LAMBDA {
                                         V r;
                                         op(r, in[i]...);
                                         return r;
                                       });
}

// Part k of every state, one loop.
template <std::size_t K, class Op, class S1, class... Ss>
TAPELESS_INLINE void for_each_state_part(Op& op, S1& s1, Ss&... ss) {
  auto& p1 = item<K>(s1.parts);
  constexpr std::size_t n = size_of_value_v<std::remove_cvref_t<decltype(p1)>>;
  if constexpr (n >= 4 && writes_first_only_v<std::remove_cvref_t<Op>>)
    apply_to_elements<n>(op, &elem(p1, 0), &std::as_const(elem(item<K>(ss.parts), 0))...);
  else
    for (std::size_t i = 0; i < n; ++i) op(elem(p1, i), elem(item<K>(ss.parts), i)...);
}

// f(first element of s1, first elements of ss..., count) for each run of contiguous elements
// among the first n elements of the flattened fixed-size states: one run per part of a parted
// state, one in all for an array. For loops that want to see a whole run (error norms, checks).
template <class F, class S1, class... Ss>
TAPELESS_INLINE void for_each_leading_run(std::size_t n, F&& f, S1& s1, Ss&... ss) {
  using P = std::remove_cvref_t<S1>;
  if constexpr (is_parted_v<P>) {
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      const auto part = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
        if (P::offsets[K] >= n) return;
        auto& p1 = item<K>(s1.parts);
        constexpr std::size_t size = size_of_value_v<std::remove_cvref_t<decltype(p1)>>;
        // (a scalar part is a run of one, said as a constant: the optimiser then sees that no
        // loop over the run reads past the scalar)
        if constexpr (size == 1)
          f(&elem(p1, 0), &elem(item<K>(ss.parts), 0)..., std::size_t{1});
        else
          f(&elem(p1, 0), &elem(item<K>(ss.parts), 0)..., std::min(size, n - P::offsets[K]));
      };
      (part(std::integral_constant<std::size_t, k>{}), ...);
    }
    (std::make_index_sequence<P::count>{});
  } else {
    f(&s1[0], &ss[0]..., std::min(n, static_state_traits<P>::size));
  }
}

// op(element i of s1, element i of ss...) for every i: part by part for parted states.
template <class Op, class S1, class... Ss>
TAPELESS_INLINE void for_each_state_element(Op&& op, S1& s1, Ss&... ss) {
  using P = std::remove_cvref_t<S1>;
  if constexpr (is_parted_v<P>) {
    [&]<std::size_t... k>(std::index_sequence<k...>) {
      (for_each_state_part<k>(op, s1, ss...), ...);
    }
    (std::make_index_sequence<P::count>{});
  } else if constexpr (writes_first_only_v<std::remove_cvref_t<Op>>) {
    apply_to_elements<static_state_traits<P>::size>(op, &s1[0], &std::as_const(ss)[0]...);
  } else {
    for (std::size_t i = 0; i < static_state_traits<P>::size; ++i) op(s1[i], ss[i]...);
  }
}

// op on element i of the first `parts` parts of parted states (the others are left as they are).
template <class Op, class S1, class... Ss>
TAPELESS_INLINE void for_each_leading_part_element(std::size_t parts, Op&& op, S1& s1, Ss&... ss) {
  [&]<std::size_t... k>(std::index_sequence<k...>) {
    ((k < parts ? for_each_state_part<k>(op, s1, ss...) : void()), ...);
  }
  (std::make_index_sequence<std::remove_cvref_t<S1>::count>{});
}

template <class S>
inline constexpr bool is_ublas_vector_v = false;
template <class T, class A>
inline constexpr bool is_ublas_vector_v<boost::numeric::ublas::vector<T, A>> = true;
template <class S>
inline constexpr bool is_std_vector_v = false;
template <class T, class A>
inline constexpr bool is_std_vector_v<std::vector<T, A>> = true;
// A state whose size is known only at run time (checked where it is used).
template <class S>
inline constexpr bool is_dynamic_state_v =
    is_ublas_vector_v<std::remove_cvref_t<S>> || is_std_vector_v<std::remove_cvref_t<S>>;

// A dynamically sized state must have the state symbol's n elements.
template <class S>
void check_state_size(const S& x, std::size_t n, const char* what) {
  if constexpr (is_dynamic_state_v<S>)
    if (x.size() != n)
      throw std::invalid_argument(std::string("tapeless::odeint: ") + what + " has " +
                                  std::to_string(x.size()) + " elements, but the state symbol has " +
                                  std::to_string(n));
}
}  // namespace detail

// A fixed-size state: std::array<T, N> or tapeless::vector<T, N>.
template <class S>
concept StaticState = detail::static_state_traits<std::remove_cvref_t<S>>::is_static;

template <StaticState S>
inline constexpr std::size_t static_size_v =
    detail::static_state_traits<std::remove_cvref_t<S>>::size;

// A state of N values of type T that the tapeless systems accept: fixed-size with N elements, or
// std::vector / ublas::vector (Odeint's everyday and implicit states) whose size is checked at run
// time.
template <class S, std::size_t N>
concept StateOf = (StaticState<S> && static_size_v<S> == N) || detail::is_dynamic_state_v<S>;

// Odeint's Algebra concept for fixed-size states. `norm_inf` looks at every element; the adjoint
// solver builds its seminorm in its error checker instead (see odeint/detail/stepping.hpp).
struct static_algebra {
  // Each for_eachN applies op to the i-th elements of N states. Written out rather than generated
  // by a variadic template so that Odeint's overload expectations (non-const s1, possibly
  // non-const s2 for swap operations) are met exactly.
  template <class S1, class Op>
  static void for_each1(S1& s1, Op op) {
    detail::for_each_state_element(op, s1);
  }
  template <class S1, class S2, class Op>
  static void for_each2(S1& s1, S2& s2, Op op) {
    detail::for_each_state_element(op, s1, s2);
  }
  template <class S1, class S2, class S3, class Op>
  static void for_each3(S1& s1, S2& s2, S3& s3, Op op) {
    detail::for_each_state_element(op, s1, s2, s3);
  }
  template <class S1, class S2, class S3, class S4, class Op>
  static void for_each4(S1& s1, S2& s2, S3& s3, S4& s4, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4);
  }
  template <class S1, class S2, class S3, class S4, class S5, class Op>
  static void for_each5(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class Op>
  static void for_each6(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class Op>
  static void for_each7(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class Op>
  static void for_each8(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class Op>
  static void for_each9(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                        Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class Op>
  static void for_each10(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class S11, class Op>
  static void for_each11(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, S11& s11, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class S11, class S12, class Op>
  static void for_each12(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, S11& s11, S12& s12, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class S11, class S12, class S13, class Op>
  static void for_each13(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, S11& s11, S12& s12, S13& s13, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class S11, class S12, class S13, class S14, class Op>
  static void for_each14(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, S11& s11, S12& s12, S13& s13, S14& s14, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class S8,
            class S9, class S10, class S11, class S12, class S13, class S14, class S15, class Op>
  static void for_each15(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, S8& s8, S9& s9,
                         S10& s10, S11& s11, S12& s12, S13& s13, S14& s14, S15& s15, Op op) {
    detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14,
                                   s15);
  }
  template <class S>
  static auto norm_inf(const S& s) {
    using std::abs;
    using T = typename detail::static_state_traits<std::remove_cvref_t<S>>::value_type;
    T m = T(0);
    detail::for_each_state_element(
        [&](const T& x) {
          const T a = abs(x);
          if (a > m || a != a) m = a;  // a NaN wins, so a broken state is never "accurate"
        },
        s);
    return m;
  }
};

// The algebra of runge_kutta_dopri5. The adjoint's right-hand side reads only the leading parts
// of its state ([a], or [z, a] in backsolve), and with the seminorm its error norm reads only
// those parts too; the quadratures a_theta and a_t, nearly all of the state, are needed only in
// the new state. Boost.Odeint's dopri5 computes each step with for_each3 to for_each7 in a fixed
// order (runge_kutta_dopri5.hpp, do_step_impl):
//   stages 2 to 6   for_each3 ... for_each7 into its stage state (the same object every time),
//                   read only by the right-hand side;
//   the new state   for_each7 into the output;
//   the error       for_each7 into the error estimate, when one is asked for, read only by the
//                   norm (detail::error_checker).
// So the adjoint solver sets `stage_parts` (what the right-hand side reads) and `error_parts`
// (what the norm reads), and only those parts of the stage states and of the error estimate are
// computed: the steps are the same to the bit (test/odeint/kernels.cpp), with two thirds less of
// the stepper's arithmetic. By default every part is computed.
struct dopri5_algebra : static_algebra {
  static constexpr std::size_t all_parts = static_cast<std::size_t>(-1);
  std::size_t stage_parts = all_parts;
  std::size_t error_parts = all_parts;

  template <class S1, class S2, class S3, class Op>
  void for_each3(S1& s1, S2& s2, S3& s3, Op op) const {
    stage_state_ = &s1;  // stage 2 starts a step
    outputs_ = 0;
    leading(stage_parts, op, s1, s2, s3);
  }
  template <class S1, class S2, class S3, class S4, class Op>
  void for_each4(S1& s1, S2& s2, S3& s3, S4& s4, Op op) const {
    leading(stage_parts, op, s1, s2, s3, s4);
  }
  template <class S1, class S2, class S3, class S4, class S5, class Op>
  void for_each5(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, Op op) const {
    leading(stage_parts, op, s1, s2, s3, s4, s5);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class Op>
  void for_each6(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, Op op) const {
    leading(stage_parts, op, s1, s2, s3, s4, s5, s6);
  }
  template <class S1, class S2, class S3, class S4, class S5, class S6, class S7, class Op>
  void for_each7(S1& s1, S2& s2, S3& s3, S4& s4, S5& s5, S6& s6, S7& s7, Op op) const {
    const void* target = &s1;
    if (target == stage_state_)  // stage 6
      leading(stage_parts, op, s1, s2, s3, s4, s5, s6, s7);
    else if (++outputs_ == 2)  // the error estimate, after the new state
      leading(error_parts, op, s1, s2, s3, s4, s5, s6, s7);
    else  // the new state
      detail::for_each_state_element(op, s1, s2, s3, s4, s5, s6, s7);
  }

 private:
  template <class Op, class S1, class... Ss>
  static void leading(std::size_t parts, Op& op, S1& s1, Ss&... ss) {
    if constexpr (detail::is_parted_v<std::remove_cvref_t<S1>>)
      detail::for_each_leading_part_element(parts, op, s1, ss...);
    else
      detail::for_each_state_element(op, s1, ss...);
  }
  // Where the step is in Odeint's sequence of calls above.
  mutable const void* stage_state_ = nullptr;
  mutable int outputs_ = 0;
};

}  // namespace tapeless::odeint

// Odeint chooses the algebra of a state type through this trait; tapeless::vector gets ours.
namespace boost::numeric::odeint {
template <class T, std::size_t N>
struct algebra_dispatcher<tapeless::tensor<T, N>> {
  using algebra_type = tapeless::odeint::static_algebra;
};
}  // namespace boost::numeric::odeint
