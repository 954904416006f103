#pragma once
// Build-wide knobs shared by every tapeless header.

// Node rules are tiny functions; g++ at -O2 stops inlining them once an expression grows, and
// then the sweep runs 5-10x slower than hand-written code. Inlining is therefore forced, not hoped
// for.
#if defined(__GNUC__) || defined(__clang__)
#define TAPELESS_INLINE [[gnu::always_inline]] inline
#else
#define TAPELESS_INLINE inline
#endif
