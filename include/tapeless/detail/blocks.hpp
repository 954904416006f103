#pragma once
// Element loops the optimisers vectorise without proving that the output is distinct from the
// inputs: the one mechanism behind the sweep's element-wise writes (ops/arithmetic.hpp) and the
// Odeint algebra's scale_sum loops (odeint/state.hpp).
//
// A loop storing out[i] = element(i) stays scalar at -O2 when `out` may alias what element()
// reads (the caller's result object, a state updated in place): any store might change the next
// element's inputs. Here the elements are computed in blocks of four, all four before any is
// stored, so no store of a block can change what the block reads, whatever the arrays are (even
// the same array), and g++ and clang vectorise each block. Every element gets the very operations
// of the plain loop: the results are the same to the bit.
#include <cstddef>

#include "../config.hpp"

namespace tapeless::detail {

// store(i, element(i)) for every i < n.
template <std::size_t n, class Store, class Element>
TAPELESS_INLINE constexpr void store_in_blocks(Store&& store, Element&& element) {
  constexpr std::size_t blocked = n - n % 4;
  for (std::size_t i = 0; i < blocked; i += 4) {
    const auto e0 = element(i), e1 = element(i + 1), e2 = element(i + 2), e3 = element(i + 3);
    // (one store each: a copy of the whole block would become a memcpy, which ends the
    // optimiser's vectorisation of the block)
    store(i, e0);
    store(i + 1, e1);
    store(i + 2, e2);
    store(i + 3, e3);
  }
  for (std::size_t i = blocked; i < n; ++i) store(i, element(i));
}

}  // namespace tapeless::detail
