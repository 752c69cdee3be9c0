// Must not compile: the Qt layer reaches the engine only through the facade
// (studio/studio_engine.h), so the model headers are not on its include path.
// tests/CMakeLists.txt checks that the compiler refuses it for that reason.
#include "studio/studio_engine.h"
#include "models/unet_2d_condition_model.h"
