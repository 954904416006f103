#pragma once
// The Lotka-Volterra model shared by the tests of observations, batches and float32:
// dx/dt = alpha x - beta x y, dy/dt = delta x y - gamma y, parameters (alpha, beta, gamma, delta).
// Its scalar type comes from the bindings, so the same model runs in double and in float.
#include <tapeless/odeint/model.hpp>
#include <tapeless/tapeless.hpp>

namespace lotka {
namespace tl = tapeless;
namespace tlo = tapeless::odeint;

inline constexpr auto z = tl::var<"z", 2>;
inline constexpr auto t = tl::var<"t">;
inline constexpr auto alpha = tl::var<"alpha">;
inline constexpr auto beta = tl::var<"beta">;
inline constexpr auto gamma_ = tl::var<"gamma">;
inline constexpr auto delta = tl::var<"delta">;

inline const auto x = tl::component<0>(z);
inline const auto y = tl::component<1>(z);
inline const auto model = tlo::ode(tl::stack(alpha * x - beta * x * y, delta* x* y - gamma_ * y), z,
                                   t, tl::wrt(alpha, beta, gamma_, delta));
}  // namespace lotka
