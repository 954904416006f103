#pragma once
// The loss of a Neural ODE, in one of two forms.
//
// Whole trajectory, for a number of observations fixed at compile time: an expression of a matrix
// symbol whose row i is z(t_i), of the parameters and of any data bound here.
//
//   constexpr auto Z = tl::var<"Z", K, N>;
//   auto objective = tapeless::odeint::loss(tl::mean(tl::abs(Z - Y)), Z, tl::at(Y = std::cref(y)));
//
// dL/dz(t_i), the jumps of the adjoint, are the rows of the gradient with respect to Z.
//
// Per observation, for any number of observations (decided at run time): an expression l of one
// state z(t_i), of the parameters and of that observation's data, summed or averaged over the
// observations, L = sum_i w l(z(t_i), theta, y_i) with w = 1 (reduction::sum) or 1/K (mean).
//
//   constexpr auto zi = tl::var<"zi", N>;
//   constexpr auto yi = tl::var<"yi", N>;
//   std::vector<tl::vector<double, N>> rows = ...;          // one per observation time
//   auto objective = tlo::observation_loss(tl::mean(tl::abs(zi - yi)), zi, tlo::each(yi, rows),
//                                          tlo::reduction::mean);
//
// each(y, rows) refers to the caller's rows (like std::cref, nothing is copied): row i is bound to
// y for observation i, and there must be one row per observation time.
#include <cstddef>
#include <type_traits>

#include "../diff/lower.hpp"
#include "../eval/bindings.hpp"
#include "../eval/program.hpp"
#include "../expr/node.hpp"

namespace tapeless::odeint {

namespace detail {
// A loss that never looks at the states is 0 and has zero gradients for every trajectory: almost
// always the wrong symbol passed as the states.
template <class L, class Zs>
inline constexpr bool uses_states_v =
    tapeless::detail::contains_v<Zs, tapeless::detail::nodes_t<tapeless::detail::lowered_t<L>>>;
#define TAPELESS_ODEINT_LOSS_WITHOUT_STATES                                                   \
  "tapeless::odeint: the loss does not depend on its states symbol, so it would be the same " \
  "for every trajectory and every gradient through the ODE zero; pass the symbol the loss "   \
  "uses for the states"
}  // namespace detail

template <class L, class Zs, class Data>
struct loss_spec {
  using expression_type = L;
  using states_symbol = Zs;
  static constexpr std::size_t observations = dim_v<0, typename Zs::shape_type>;
  static constexpr std::size_t state_size = dim_v<1, typename Zs::shape_type>;
  L expression;
  Data data;
};

template <class S>
inline constexpr bool is_loss_spec_v = false;
template <class L, class Zs, class Data>
inline constexpr bool is_loss_spec_v<loss_spec<L, Zs, Data>> = true;

// loss(L, Z, data...): L a scalar expression of the matrix symbol Z (row i = z(t_i)).
template <class L, class Zs, class... B>
constexpr auto loss(const L& l, const Zs&, const B&... data) {
  static_assert(Expression<L>, "tapeless::odeint::loss: the loss must be a tapeless expression");
  static_assert(
      Symbol<Zs> && Zs::shape_type::rank == 2,
      "tapeless::odeint::loss: the states symbol must be a matrix symbol var<\"Z\", K, N>, "
      "row i holding z(t_i)");
  if constexpr (Expression<L>)
    static_assert(L::shape_type::rank == 0,
                  "tapeless::odeint::loss: the loss must be a scalar expression");
  if constexpr (Expression<L> && Symbol<Zs>)
    static_assert(detail::uses_states_v<L, Zs>, TAPELESS_ODEINT_LOSS_WITHOUT_STATES);
  const auto d = tapeless::detail::merge_bindings(data...);
  return loss_spec<L, Zs, std::remove_cvref_t<decltype(d)>>{l, d};
}

// How the per-observation losses are combined.
enum class reduction { sum, mean };

// Per-observation data: rows[i] is bound to the symbol Ds for observation i. Rows is any
// random-access range with size() (std::vector, std::span, std::array) of values of Ds's shape.
template <class Ds, class Rows>
struct each_t {
  const Rows* rows;
};
struct no_rows {};

template <class Ds, class Rows>
constexpr auto each(const Ds&, const Rows& rows) {
  static_assert(Symbol<Ds>, "tapeless::odeint::each: the first argument must be a symbol");
  using Row = std::remove_cvref_t<decltype(rows[0])>;
  static_assert(Value<Row> && std::is_same_v<shape_of_value_t<Row>, typename Ds::shape_type>,
                "tapeless::odeint::each: every row must be a value of the symbol's shape "
                "(a tapeless::vector or matrix, or a scalar for a scalar symbol)");
  return each_t<Ds, Rows>{&rows};
}

template <class L, class Zs, class Ds, class Rows, class Data>
struct observation_loss_spec {
  using expression_type = L;
  using states_symbol = Zs;  // the symbol of one state z(t_i)
  using data_symbol = Ds;    // void without per-observation data
  static constexpr std::size_t state_size = Zs::shape_type::size;
  L expression;
  const Rows* rows;
  reduction how;
  Data data;  // bindings shared by every observation
};

template <class S>
inline constexpr bool is_observation_loss_v = false;
template <class L, class Zs, class Ds, class Rows, class Data>
inline constexpr bool is_observation_loss_v<observation_loss_spec<L, Zs, Ds, Rows, Data>> = true;

namespace detail {
template <class L, class Zs>
constexpr void check_observation_loss() {
  static_assert(Expression<L>,
                "tapeless::odeint::observation_loss: the loss must be a tapeless expression");
  static_assert(Symbol<Zs> && Zs::shape_type::rank == 1,
                "tapeless::odeint::observation_loss: the state symbol must be a vector symbol "
                "var<\"z\", N>, bound to one state z(t_i)");
  if constexpr (Expression<L>)
    static_assert(L::shape_type::rank == 0,
                  "tapeless::odeint::observation_loss: the loss must be a scalar expression");
  if constexpr (Expression<L> && Symbol<Zs>)
    static_assert(uses_states_v<L, Zs>, TAPELESS_ODEINT_LOSS_WITHOUT_STATES);
}
}  // namespace detail

// observation_loss(l, z, [each(y, rows),] reduction, bindings...): L = sum or mean over the
// observations of l(z(t_i), theta, y_i).
template <class L, class Zs, class Ds, class Rows, class... B>
constexpr auto observation_loss(const L& l, const Zs&, each_t<Ds, Rows> rows, reduction how,
                                const B&... data) {
  detail::check_observation_loss<L, Zs>();
  const auto d = tapeless::detail::merge_bindings(data...);
  return observation_loss_spec<L, Zs, Ds, Rows, std::remove_cvref_t<decltype(d)>>{l, rows.rows,
                                                                                  how, d};
}
template <class L, class Zs, class... B>
constexpr auto observation_loss(const L& l, const Zs&, reduction how, const B&... data) {
  detail::check_observation_loss<L, Zs>();
  const auto d = tapeless::detail::merge_bindings(data...);
  return observation_loss_spec<L, Zs, void, no_rows, std::remove_cvref_t<decltype(d)>>{l, nullptr,
                                                                                       how, d};
}

}  // namespace tapeless::odeint
