#pragma once
// tl::linear<"fc1", In, Out>: PyTorch's nn.Linear as a pair of named symbols. fc1(x) is the
// expression fc1.weight @ x + fc1.bias, so a layer is no more than the symbols it names: the
// derivatives, checks and printing are those of any expression, and an MLP is written in a line,
//   constexpr tl::linear<"fc1", 2, 50> fc1;  constexpr tl::linear<"fc2", 50, 2> fc2;
//   auto f = fc2(tl::tanh(fc1(x)));  tl::grad(loss, tl::wrt(fc1, fc2), ...)
// The weight is Out x In (PyTorch's layout) and x a column vector of In.
#include "../expr/node.hpp"
#include "../ops/arithmetic.hpp"
#include "../ops/linalg.hpp"

namespace tapeless {

template <detail::fixed_string Name, std::size_t In, std::size_t Out>
struct linear {
  static_assert(In > 0 && Out > 0, "tapeless::linear: a layer needs at least one input and output");
  static constexpr std::size_t in_features = In;
  static constexpr std::size_t out_features = Out;
  static constexpr std::string_view name = Name.view();
  static constexpr symbol<Name + ".weight", shape<Out, In>> weight{};
  static constexpr symbol<Name + ".bias", shape<Out>> bias{};
  // wrt(fc1), parameters(fc1) and the initialisers (nn/init.hpp) see these, in this order.
  using parameter_symbols = detail::type_list<std::remove_const_t<decltype(weight)>,
                                              std::remove_const_t<decltype(bias)>>;

  template <Expression X>
  constexpr auto operator()(const X& x) const {
    static_assert(std::is_same_v<typename X::shape_type, shape<In>>,
                  "tapeless::linear: the input of a layer must be a vector of its in_features");
    if constexpr (std::is_same_v<typename X::shape_type, shape<In>>)
      return matmul(weight, x) + bias;
    else
      return bias;  // a value of the output's shape, so that the sentence is the only error
  }
};

template <class T>
inline constexpr bool is_linear_v = false;
template <detail::fixed_string N, std::size_t I, std::size_t O>
inline constexpr bool is_linear_v<linear<N, I, O>> = true;

}  // namespace tapeless
