#pragma once
// Parameter bundles of a whole model, and their initialisers.
//
//   std::mt19937 gen(seed);
//   auto params = tl::parameters<double>(gen, fc1, fc2);                   // nn.Linear's default
//   auto params = tl::parameters<double>(gen, tl::init::normal{.std = 0.1}, fc1, fc2, A);
//   auto zeros  = tl::parameters<double>(fc1, fc2);
//
// The items are layers (their weight, then their bias) and plain symbols, in the order given;
// every element is drawn in that order, row-major, by the library's own uniform and normal
// transforms of the engine's output. So a seed gives the same bundle on every compiler and
// standard library (std::normal_distribution differs between them, and the order in which the
// arguments of one call are evaluated is unspecified).
//
// Schemes, with PyTorch's definitions (fan_in = In, fan_out = Out for a weight Out x In; a plain
// matrix symbol R x C has fan_in = C, fan_out = R, as torch.nn.init computes them):
//   linear_default   weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))  (nn.Linear's reset)
//   xavier_uniform   weight ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out));      bias 0
//   xavier_normal    weight ~ N(0, gain^2 * 2 / (fan_in + fan_out));                   bias 0
//   kaiming_uniform  weight ~ U(-b, b), b = sqrt(2 / (1 + a^2)) * sqrt(3 / fan_in);    bias 0
//   kaiming_normal   weight ~ N(0, 2 / ((1 + a^2) fan_in));                            bias 0
//   normal           weight ~ N(mean, std^2);                                          bias 0
//   uniform          weight ~ U(low, high);                                            bias 0
//   zeros            everything 0
// A plain symbol is initialised as a weight; the schemes that need fans ask for a matrix.
#include <cmath>
#include <concepts>
#include <numbers>
#include <random>

#include <boost/hana/flatten.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include "../eval/bindings.hpp"
#include "../train/bundle.hpp"
#include "linear.hpp"

namespace tapeless {
namespace init {

// A double uniform on [0, 1) from at least 53 bits of the engine's output, accumulated as
// std::generate_canonical specifies; written out because implementations of the standard
// distributions differ.
template <std::uniform_random_bit_generator Engine>
double uniform01(Engine& gen) {
  constexpr long double range =
      static_cast<long double>(Engine::max() - Engine::min()) + 1.0L;  // exact: at most 2^64
  long double sum = 0, scale = 1;
  while (scale < 9007199254740992.0L) {  // 2^53
    sum += static_cast<long double>(gen() - Engine::min()) * scale;
    scale *= range;
  }
  const double u = static_cast<double>(sum / scale);
  return u < 1.0 ? u : std::nextafter(1.0, 0.0);
}

// A standard normal by the Box-Muller transform, one value per two uniforms (no cached second
// value, so a draw depends only on the engine's state).
template <std::uniform_random_bit_generator Engine>
double standard_normal(Engine& gen) {
  const double u1 = 1.0 - uniform01(gen);  // in (0, 1]: log is finite
  const double u2 = uniform01(gen);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// What a scheme is told about the tensor it fills.
struct fans {
  std::size_t in = 0, out = 0;
};

// Each scheme draws one weight element, and one bias element of a layer (by default 0).
struct zeros {
  template <class Engine>
  double weight(Engine&, fans) const { return 0.0; }
};

struct linear_default {
  static constexpr bool needs_fans = true;
  template <class Engine>
  double weight(Engine& gen, fans f) const { return bias(gen, f); }
  template <class Engine>
  double bias(Engine& gen, fans f) const {
    const double bound = 1.0 / std::sqrt(double(f.in));
    return -bound + 2.0 * bound * uniform01(gen);
  }
};

struct uniform {
  double low = 0.0, high = 1.0;
  template <class Engine>
  double weight(Engine& gen, fans) const { return low + (high - low) * uniform01(gen); }
};

struct normal {
  double mean = 0.0, std = 1.0;
  template <class Engine>
  double weight(Engine& gen, fans) const { return mean + std * standard_normal(gen); }
};

struct xavier_uniform {
  static constexpr bool needs_fans = true;
  double gain = 1.0;
  template <class Engine>
  double weight(Engine& gen, fans f) const {
    const double a = gain * std::sqrt(6.0 / double(f.in + f.out));
    return -a + 2.0 * a * uniform01(gen);
  }
};

struct xavier_normal {
  static constexpr bool needs_fans = true;
  double gain = 1.0;
  template <class Engine>
  double weight(Engine& gen, fans f) const {
    return gain * std::sqrt(2.0 / double(f.in + f.out)) * standard_normal(gen);
  }
};

// a: the negative slope of the leaky relu that follows (0: relu), as in torch.nn.init.
struct kaiming_uniform {
  static constexpr bool needs_fans = true;
  double a = 0.0;
  template <class Engine>
  double weight(Engine& gen, fans f) const {
    const double b = std::sqrt(2.0 / (1.0 + a * a)) * std::sqrt(3.0 / double(f.in));
    return -b + 2.0 * b * uniform01(gen);
  }
};

struct kaiming_normal {
  static constexpr bool needs_fans = true;
  double a = 0.0;
  template <class Engine>
  double weight(Engine& gen, fans f) const {
    return std::sqrt(2.0 / ((1.0 + a * a) * double(f.in))) * standard_normal(gen);
  }
};

template <class S>
concept scheme = requires(const S& s, std::mt19937& g, fans f) {
  { s.weight(g, f) } -> std::convertible_to<double>;
};

namespace detail {
template <class S>
consteval bool needs_fans() {
  if constexpr (requires { S::needs_fans; })
    return S::needs_fans;
  else
    return false;
}
template <class S, class Engine>
double draw_bias(const S& s, Engine& gen, fans f) {
  if constexpr (requires { s.bias(gen, f); })
    return s.bias(gen, f);
  else
    return 0.0;
}
template <class X>
consteval fans fans_of() {
  using S = typename X::shape_type;
  if constexpr (S::rank == 2)
    return {dim_v<1, S>, dim_v<0, S>};
  else
    return {};
}
template <class Value, class F>
void fill(Value& v, F&& draw) {
  for_each_element([&](auto& x) { x = static_cast<std::remove_reference_t<decltype(x)>>(draw()); },
                   v);
}
}  // namespace detail

// Re-initialises the items' entries of an existing bundle in place (PyTorch's reset_parameters).
template <class Bundle, std::uniform_random_bit_generator Engine, scheme Scheme, class... Items>
void apply(Bundle& params, Engine& gen, const Scheme& s, const Items&... items) {
  const auto one = [&]<class Item>(const Item&) {
    if constexpr (is_linear_v<Item>) {
      const fans f{Item::in_features, Item::out_features};
      detail::fill(params[Item::weight], [&] { return s.weight(gen, f); });
      detail::fill(params[Item::bias], [&] { return detail::draw_bias(s, gen, f); });
    } else {
      static_assert(!detail::needs_fans<Scheme>() || Item::shape_type::rank == 2,
                    "tapeless::init: this scheme computes fan_in and fan_out, which needs a "
                    "matrix (a plain vector or scalar symbol takes init::normal, uniform or zeros)");
      if constexpr (!detail::needs_fans<Scheme>() || Item::shape_type::rank == 2) {
        constexpr fans f = detail::fans_of<Item>();
        detail::fill(params[Item{}], [&] { return s.weight(gen, f); });
      }
    }
  };
  (one(items), ...);
}

}  // namespace init

template <class T>
concept ParameterItem = Symbol<T> || is_linear_v<std::remove_cvref_t<T>>;

namespace detail {
template <class V, class Item>
constexpr auto zero_bindings(const Item&) {
  if constexpr (is_linear_v<Item>)
    return boost::hana::make_tuple(
        Item::weight = value_t<V, shape<Item::out_features, Item::in_features>>{},
        Item::bias = value_t<V, shape<Item::out_features>>{});
  else
    return boost::hana::make_tuple(Item{} = value_t<V, typename Item::shape_type>{});
}
}  // namespace detail

// A bundle of zeros for the items' symbols, of value type V.
template <class V = double, ParameterItem... Items>
auto parameters(const Items&... items) {
  return boost::hana::unpack(
      boost::hana::flatten(boost::hana::make_tuple(detail::zero_bindings<V>(items)...)),
      [](const auto&... bindings) { return at(bindings...); });
}

// A bundle initialised by a scheme (or nn.Linear's default) from the user's engine.
template <class V = double, std::uniform_random_bit_generator Engine, init::scheme Scheme,
          ParameterItem... Items>
auto parameters(Engine& gen, const Scheme& s, const Items&... items) {
  auto params = parameters<V>(items...);
  init::apply(params, gen, s, items...);
  return params;
}
template <class V = double, std::uniform_random_bit_generator Engine, ParameterItem... Items>
auto parameters(Engine& gen, const Items&... items) {
  return parameters<V>(gen, init::linear_default{}, items...);
}

}  // namespace tapeless
