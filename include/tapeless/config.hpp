#pragma once
// Build-wide knobs shared by every tapeless header.

// Node rules are tiny functions; g++ at -O2 stops inlining them once an expression grows, and
// then the sweep runs 5-10x slower than hand-written code. Inlining is therefore forced, not hoped
// for.
// TAPELESS_INLINE_LAMBDA goes after a lambda's parameter list, for a lambda handed to a forced-
// inline helper (detail/blocks.hpp).
#if defined(__GNUC__) || defined(__clang__)
#define TAPELESS_INLINE [[gnu::always_inline]] inline
#define TAPELESS_INLINE_LAMBDA __attribute__((always_inline))
#else
#define TAPELESS_INLINE inline
#define TAPELESS_INLINE_LAMBDA
#endif
