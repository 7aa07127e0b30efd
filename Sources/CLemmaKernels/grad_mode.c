// Whether operations record gradients. Thread-local, as in PyTorch, so a no-grad scope on one thread
// (say, an evaluation loop) never silently disables recording on another.
#include "lemma_kernels.h"

static _Thread_local int grad_disabled = 0;

int lemma_grad_enabled(void) { return !grad_disabled; }
void lemma_set_grad_enabled(int enabled) { grad_disabled = !enabled; }
