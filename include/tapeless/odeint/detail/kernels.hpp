#pragma once
// The right-hand sides the solver hands to Odeint, all evaluated from derivative expressions of
// the one model f, each in one sweep with every intermediate on the stack (no allocation):
//
//   forward_rhs         dz/dt = f(z, t)
//   backsolve_rhs       d/dt [z, a, a_theta, a_t] = [f, -a^T df/dz, -a^T df/dtheta, -a^T df/dt]
//   interpolated_rhs    d/dt [a, a_theta, a_t] with z(t) from the checkpointed trajectory
//   *_jacobian          their exact Jacobians (forward mode over those expressions) for the
//                       implicit steppers
//
// They hold one pointer to the solve's context (model, parameter references, counters), so
// Odeint's copying of systems costs nothing.
#include <array>
#include <boost/hana/at.hpp>
#include <cstddef>
#include <functional>
#include <utility>

#include "../model.hpp"
#include "../options.hpp"
#include "derived.hpp"
#include "hermite.hpp"

namespace tapeless::odeint::detail {

// The derivative expressions of a model, as types (instantiated only when a solve needs them).
template <class Model>
struct model_types;
template <class F, class Z, class T, class... Ps>
struct model_types<ode_model<F, Z, T, Ps...>> {
  using LF = tapeless::detail::lowered_t<F>;
  using A = adjoint_symbol<Z>;
  using params = td::type_list<Ps...>;
  // f, a^T df/dz, a^T df/dtheta_k, a^T df/dt: one sweep (one forward, one reverse).
  using vjp_roots = td::type_list<LF, vjp_t<LF, Z, Z, Z, Ps..., T>,
                                  vjp_t<LF, Z, Ps, Z, Ps..., T>..., vjp_t<LF, Z, T, Z, Ps..., T>>;
  // a^T df/dz, a^T df/dtheta_k, a^T df/dt: the checkpointed adjoint's dynamics (z is known).
  using adjoint_roots =
      td::type_list<vjp_t<LF, Z, Z, Z, Ps..., T>, vjp_t<LF, Z, Ps, Z, Ps..., T>...,
                    vjp_t<LF, Z, T, Z, Ps..., T>>;
  // The augmented states, laid out as the values of those roots: [z, a, a_theta..., a_t] and
  // [a, a_theta..., a_t] (odeint/state.hpp).
  template <class V, class Roots>
  struct layout_of;
  template <class V, class... Rs>
  struct layout_of<V, td::type_list<Rs...>> {
    using type = parted_state<V, value_t<V, typename Rs::shape_type>...>;
  };
  template <class V>
  using backsolve_layout = typename layout_of<V, vjp_roots>::type;
  template <class V>
  using adjoint_layout = typename layout_of<V, adjoint_roots>::type;
  // f and z'' = df/dz f + df/dt: the interpolation nodes.
  using node_roots = td::type_list<LF, second_derivative_t<LF, Z, T>>;
  // Tangents of the augmented dynamics along (z, a, t): their Jacobian columns and time derivative.
  template <class R>
  using aug_tangent =
      decltype(td::tangent_builder<td::direction<Z, dir_symbol<Z>>, td::direction<A, dir_symbol<A>>,
                                   td::direction<T, dir_symbol<T>>>::template of<R>());
  template <class Roots>
  struct tangents_of;
  template <class... Rs>
  struct tangents_of<td::type_list<Rs...>> {
    using type = td::type_list<aug_tangent<Rs>...>;
  };
  using aug_tangent_roots = typename tangents_of<vjp_roots>::type;
};

// What every right-hand side of one solve shares.
template <class Model, class V, class Refs>
struct solve_context {
  using model_type = Model;
  using value_type = V;
  using Z = typename Model::state_symbol;
  using T = typename Model::time_symbol;
  using A = adjoint_symbol<Z>;
  static constexpr std::size_t N = Model::state_size;
  static constexpr std::size_t P = Model::param_size;

  const Model* model;
  const Refs* refs;  // every bound symbol, by reference
  solve_stats* stats;
  const hermite_trajectory<V, N>* trajectory = nullptr;

  // Bindings of one evaluation: the parameters plus z, a, t.
  TAPELESS_INLINE auto bind(const tensor<V, N>& z, V t) const {
    return with(with(*refs, Z{}, std::cref(z)), T{}, t);
  }
  TAPELESS_INLINE auto bind(const tensor<V, N>& z, const tensor<V, N>& a, V t) const {
    return with(bind(z, t), A{}, std::cref(a));
  }

  TAPELESS_INLINE tensor<V, N> f(const tensor<V, N>& z, V t) const {
    raw_tuple<tensor<V, N>> out;
    sweep_into<V>(td::type_list<typename model_types<Model>::LF>{}, bind(z, t), model->pool(), out);
    return item<0>(out);
  }
  // df/dz dz + df/dt dt (forward mode): Jacobian columns and df/dt of the forward system.
  TAPELESS_INLINE tensor<V, N> f_tangent(const tensor<V, N>& z, V t, const tensor<V, N>& dz,
                                         V dt) const {
    using TF = tangent_zt_t<typename model_types<Model>::LF, Z, T>;
    const auto b = with(with(bind(z, t), dir_symbol<Z>{}, std::cref(dz)), dir_symbol<T>{}, dt);
    raw_tuple<tensor<V, N>> out;
    sweep_into<V>(td::type_list<TF>{}, b, model->pool(), out);
    return item<0>(out);
  }
  // (f, a^T df/dz, a^T df/dtheta..., a^T df/dt) in one sweep.
  using vjp_values = values_of_t<V, typename model_types<Model>::vjp_roots>;
  TAPELESS_INLINE void vjp(const tensor<V, N>& z, const tensor<V, N>& a, V t,
                           vjp_values& out) const {
    sweep_into<V>(typename model_types<Model>::vjp_roots{}, bind(z, a, t), model->pool(), out);
  }
  // (a^T df/dz, a^T df/dtheta..., a^T df/dt) in one sweep, for a given z.
  using adjoint_values = values_of_t<V, typename model_types<Model>::adjoint_roots>;
  TAPELESS_INLINE void adjoint(const tensor<V, N>& z, const tensor<V, N>& a, V t,
                               adjoint_values& out) const {
    sweep_into<V>(typename model_types<Model>::adjoint_roots{}, bind(z, a, t), model->pool(), out);
  }
  // (f, z'') in one sweep.
  using node_values = values_of_t<V, typename model_types<Model>::node_roots>;
  TAPELESS_INLINE void node(const tensor<V, N>& z, V t, node_values& out) const {
    sweep_into<V>(typename model_types<Model>::node_roots{}, bind(z, t), model->pool(), out);
  }
  // Tangents of (f, a^T df/dz, ...) along (dz, da, dt).
  using aug_tangent_values = values_of_t<V, typename model_types<Model>::aug_tangent_roots>;
  TAPELESS_INLINE void aug_tangent(const tensor<V, N>& z, const tensor<V, N>& a, V t,
                                   const tensor<V, N>& dz, const tensor<V, N>& da, V dt,
                                   aug_tangent_values& out) const {
    const auto b = with(
        with(with(bind(z, a, t), dir_symbol<Z>{}, std::cref(dz)), dir_symbol<A>{}, std::cref(da)),
        dir_symbol<T>{}, dt);
    sweep_into<V>(typename model_types<Model>::aug_tangent_roots{}, b, model->pool(), out);
  }
};

// Write (g_z, g_theta..., g_t) of a vjp-shaped tuple into out[off ...] times sign: the layout of
// [a, a_theta, a_t].
template <class Model, class V, class Tuple, class Out>
TAPELESS_INLINE void write_adjoints(const Tuple& r, Out& out, std::size_t off, V sign) {
  constexpr std::size_t N = Model::state_size, P = Model::param_size, K = Model::param_count;
  const auto& gz = item<1>(r);
  for (std::size_t i = 0; i < N; ++i) out[off + i] = sign * gz.data[i];
  [&]<std::size_t... k>(std::index_sequence<k...>) {
    (
        [&] {
          const auto& g = item<2 + k>(r);
          constexpr std::size_t base = Model::param_offsets[k];
          for (std::size_t i = 0; i < size_of_value_v<std::remove_cvref_t<decltype(g)>>; ++i)
            out[off + N + base + i] = sign * elem(g, i);
        }(),
        ...);
  }
  (std::make_index_sequence<K>{});
  out[off + N + P] = sign * item<2 + K>(r);
}

template <class V, std::size_t N, class X>
TAPELESS_INLINE void load(tensor<V, N>& out, const X& x, std::size_t off) {
  for (std::size_t i = 0; i < N; ++i) out.data[i] = x[off + i];
}

// ---- explicit right-hand sides ------------------------------------------------------------------
template <class Ctx>
struct forward_rhs {
  using V = typename Ctx::value_type;
  const Ctx* ctx;
  std::size_t* counter;
  template <class X, class D>
  void operator()(const X& x, D& dxdt, double t) const {
    ++*counter;
    tensor<V, Ctx::N> z;
    load(z, x, 0);
    const auto f = ctx->f(z, V(t));
    for (std::size_t i = 0; i < Ctx::N; ++i) dxdt[i] = f.data[i];
  }
};

template <class Ctx>
struct backsolve_rhs {
  using V = typename Ctx::value_type;
  const Ctx* ctx;
  template <class S, class D>
  void operator()(const S& s, D& ds, double t) const {
    ++ctx->stats->backward_rhs;
    // Seeded with -a, the products come out as the derivatives -a^T df/dX themselves.
    tensor<V, Ctx::N> minus_a;
    if constexpr (is_parted_v<S>) {
      // [z, a, a_theta, a_t] has the layout of the sweep's results: z is read and ds written in
      // place.
      for (std::size_t i = 0; i < Ctx::N; ++i) minus_a.data[i] = -item<1>(s.parts).data[i];
      ctx->vjp(item<0>(s.parts), minus_a, V(t), ds.parts);
    } else {
      tensor<V, Ctx::N> z;
      load(z, s, 0);
      for (std::size_t i = 0; i < Ctx::N; ++i) minus_a.data[i] = -s[Ctx::N + i];
      typename Ctx::vjp_values r;
      ctx->vjp(z, minus_a, V(t), r);
      for (std::size_t i = 0; i < Ctx::N; ++i) ds[i] = item<0>(r).data[i];
      write_adjoints<typename Ctx::model_type>(r, ds, Ctx::N, V(1));
    }
  }
};

template <class Ctx>
struct interpolated_rhs {
  using V = typename Ctx::value_type;
  const Ctx* ctx;
  template <class S, class D>
  void operator()(const S& s, D& ds, double t) const {
    ++ctx->stats->backward_rhs;
    tensor<V, Ctx::N> z, minus_a;
    ctx->trajectory->at(V(t), z);
    if constexpr (is_parted_v<S>) {
      for (std::size_t i = 0; i < Ctx::N; ++i) minus_a.data[i] = -item<0>(s.parts).data[i];
      ctx->adjoint(z, minus_a, V(t), ds.parts);
    } else {
      for (std::size_t i = 0; i < Ctx::N; ++i) minus_a.data[i] = -s[i];
      typename Ctx::vjp_values r;
      ctx->vjp(z, minus_a, V(t), r);
      write_adjoints<typename Ctx::model_type>(r, ds, 0, V(1));
    }
  }
};

// ---- their Jacobians, for the implicit steppers ------------------------------------------------
template <class Ctx>
struct forward_jacobian {
  using V = typename Ctx::value_type;
  const Ctx* ctx;
  template <class X, class J, class D>
  void operator()(const X& x, J& jac, double t, D& dfdt) const {
    (*this)(x, jac, t);
    tensor<V, Ctx::N> z, zero{};
    load(z, x, 0);
    const auto col = ctx->f_tangent(z, V(t), zero, V(1));
    for (std::size_t i = 0; i < Ctx::N; ++i) dfdt[i] = col.data[i];
  }
  template <class X, class J>
  void operator()(const X& x, J& jac, double t) const {
    ++ctx->stats->jacobian_evals;
    tensor<V, Ctx::N> z, unit{};
    load(z, x, 0);
    for (std::size_t j = 0; j < Ctx::N; ++j) {
      unit.data[j] = V(1);
      const auto col = ctx->f_tangent(z, V(t), unit, V(0));
      for (std::size_t i = 0; i < Ctx::N; ++i) jac(i, j) = col.data[i];
      unit.data[j] = V(0);
    }
  }
};

// Jacobian of the backsolve dynamics over [z, a, a_theta, a_t]: only the z and a columns are
// non-zero (a_theta and a_t never feed back).
template <class Ctx>
struct backsolve_jacobian {
  using V = typename Ctx::value_type;
  static constexpr std::size_t N = Ctx::N, M = 2 * Ctx::N + Ctx::P + 1;
  const Ctx* ctx;

  template <class Tuple, class D>
  static void write(const Tuple& r, D& col) {
    const auto& tf = item<0>(r);
    for (std::size_t i = 0; i < N; ++i) col[i] = tf.data[i];
    write_adjoints<typename Ctx::model_type>(r, col, N, V(-1));
  }
  template <class S, class J, class D>
  void operator()(const S& s, J& jac, double t, D& dfdt) const {
    (*this)(s, jac, t);
    tensor<V, N> z, a, zero{};
    load(z, s, 0);
    load(a, s, N);
    typename Ctx::aug_tangent_values r;
    ctx->aug_tangent(z, a, V(t), zero, zero, V(1), r);
    write(r, dfdt);
  }
  template <class S, class J>
  void operator()(const S& s, J& jac, double t) const {
    ++ctx->stats->jacobian_evals;
    tensor<V, N> z, a, unit{}, zero{};
    load(z, s, 0);
    load(a, s, N);
    std::array<V, M> col;
    typename Ctx::aug_tangent_values r;
    for (std::size_t j = 0; j < M; ++j) {
      if (j < 2 * N) {
        unit.data[j % N] = V(1);
        if (j < N)
          ctx->aug_tangent(z, a, V(t), unit, zero, V(0), r);
        else
          ctx->aug_tangent(z, a, V(t), zero, unit, V(0), r);
        write(r, col);
        unit.data[j % N] = V(0);
        for (std::size_t i = 0; i < M; ++i) jac(i, j) = col[i];
      } else {
        for (std::size_t i = 0; i < M; ++i) jac(i, j) = V(0);
      }
    }
  }
};

// Jacobian of the checkpointed adjoint dynamics over [a, a_theta, a_t]; its time derivative is the
// total one along the interpolated z(t): d/dt = dz/dt . d/dz + d/dt.
template <class Ctx>
struct interpolated_jacobian {
  using V = typename Ctx::value_type;
  static constexpr std::size_t N = Ctx::N, M = Ctx::N + Ctx::P + 1;
  const Ctx* ctx;

  template <class S, class J, class D>
  void operator()(const S& s, J& jac, double t, D& dfdt) const {
    (*this)(s, jac, t);
    tensor<V, N> z, zdot, a, zero{};
    ctx->trajectory->at(V(t), z, &zdot);
    load(a, s, 0);
    typename Ctx::aug_tangent_values r;
    ctx->aug_tangent(z, a, V(t), zdot, zero, V(1), r);
    write_adjoints<typename Ctx::model_type>(r, dfdt, 0, V(-1));
  }
  template <class S, class J>
  void operator()(const S& s, J& jac, double t) const {
    ++ctx->stats->jacobian_evals;
    tensor<V, N> z, a, unit{}, zero{};
    ctx->trajectory->at(V(t), z);
    load(a, s, 0);
    std::array<V, M> col;
    typename Ctx::aug_tangent_values r;
    for (std::size_t j = 0; j < M; ++j) {
      if (j < N) {
        unit.data[j] = V(1);
        ctx->aug_tangent(z, a, V(t), zero, unit, V(0), r);
        write_adjoints<typename Ctx::model_type>(r, col, 0, V(-1));
        unit.data[j] = V(0);
        for (std::size_t i = 0; i < M; ++i) jac(i, j) = col[i];
      } else {
        for (std::size_t i = 0; i < M; ++i) jac(i, j) = V(0);
      }
    }
  }
};

// The system Odeint is given: the right-hand side, or the (rhs, Jacobian) pair of an implicit
// stepper.
template <bool Implicit, class Rhs, class Jac>
auto make_system(const Rhs& rhs, const Jac& jac) {
  if constexpr (Implicit)
    return std::make_pair(rhs, jac);
  else
    return rhs;
}
template <class Sys>
auto& rhs_of(Sys& sys) {
  if constexpr (requires { sys.first; })
    return sys.first;
  else
    return sys;
}

}  // namespace tapeless::odeint::detail
