// Must not compile: torch is not on the Qt layer's include path (see facade_boundary_model.cpp).
#include "studio/studio_engine.h"
#include <torch/torch.h>
