// A plugin reaching into the training floor: must not build (see BUILD).
#include "framework/train/trainer.h"

namespace siamese {
int LayeringViolation() { return sizeof(TrainOptions); }
}  // namespace siamese
