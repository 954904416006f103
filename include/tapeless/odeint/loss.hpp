#pragma once
// The loss of a Neural ODE: a tapeless expression of the states at the observation times, held in
// a matrix symbol whose row i is z(t_i), and of the parameters (and of any data bound here).
//
//   constexpr auto Z = tl::var<"Z", K, N>;
//   auto objective = tapeless::odeint::loss(tl::mean(tl::abs(Z - Y)), Z, tl::at(Y = std::cref(y)));
//
// dL/dz(t_i), the jumps of the adjoint, are the rows of the gradient with respect to Z.
#include <type_traits>

#include "../eval/bindings.hpp"
#include "../expr/node.hpp"

namespace tapeless::odeint {

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
  const auto d = tapeless::detail::merge_bindings(data...);
  return loss_spec<L, Zs, std::remove_cvref_t<decltype(d)>>{l, d};
}

}  // namespace tapeless::odeint
