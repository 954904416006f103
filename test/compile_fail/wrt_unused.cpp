// Asking for the gradient with respect to a symbol the expression does not contain (here a
// misspelt one: the model uses W, the call names w).
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto W = tapeless::var<"W">;
  constexpr auto w = tapeless::var<"w">;
  auto g = tapeless::grad(W * W, tapeless::wrt(w), W = 1.0, w = 1.0);
  (void)g;
}
