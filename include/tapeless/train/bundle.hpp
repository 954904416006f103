#pragma once
// Arithmetic on bundles: hana::maps from symbols to values (parameters, gradients). Optimizers
// and gradient accumulation are written with these.
#include <boost/hana/at_key.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/second.hpp>

#include "../eval/bindings.hpp"
#include "../tensor.hpp"

namespace tapeless {

// Apply f(element of a, element of b, ...) to every element of same-shaped values.
template <class F, class V, class... Vs>
constexpr void for_each_element(F&& f, V& v, Vs&... vs) {
  for (std::size_t i = 0; i < size_of_value_v<V>; ++i) f(elem(v, i), elem(vs, i)...);
}

// For every symbol of `keys`, call f(symbol, value in keys).
template <class Map, class F>
constexpr void for_each_binding(Map&& m, F&& f) {
  boost::hana::for_each(boost::hana::keys(m), [&](auto key) { f(key, m[key]); });
}

// A bundle with the keys and shapes of b, all zero.
template <class Bundle>
constexpr Bundle zeros_like(const Bundle& b) {
  Bundle out = b;
  for_each_binding(out, [](auto, auto& v) { for_each_element([](auto& x) { x = 0; }, v); });
  return out;
}

// into[x] += from[x] for every symbol x of `from` (into must have it too).
template <class Into, class From>
constexpr void add_into(Into& into, const From& from) {
  for_each_binding(from, [&](auto key, const auto& v) {
    for_each_element([](auto& a, const auto& b) { a += b; }, into[key], v);
  });
}

// b[x] *= s for every symbol x.
template <class Bundle, class S>
constexpr void scale(Bundle& b, S s) {
  for_each_binding(b, [&](auto, auto& v) { for_each_element([&](auto& x) { x *= s; }, v); });
}

// Explicit gradient accumulation for mini-batches. A gradient returned by grad() is a fresh
// value; it is summed across calls only when added here, and reset() starts over (PyTorch's
// implicit accumulation and zero_grad, made explicit).
template <class Bundle>
class accumulator {
 public:
  constexpr explicit accumulator(const Bundle& like) : sum_(zeros_like(like)) {}
  template <class G>
  constexpr void add(const G& g) {
    add_into(sum_, g);
    ++count_;
  }
  constexpr const Bundle& sum() const { return sum_; }
  constexpr Bundle mean() const {
    Bundle m = sum_;
    if (count_ > 0) scale(m, 1.0 / static_cast<double>(count_));
    return m;
  }
  constexpr std::size_t count() const { return count_; }
  constexpr void reset() {
    sum_ = zeros_like(sum_);
    count_ = 0;
  }

 private:
  Bundle sum_;
  std::size_t count_ = 0;
};

}  // namespace tapeless
