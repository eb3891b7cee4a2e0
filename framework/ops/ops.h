// All differentiable ops. Each family lives in its own header; include this
// one to get them all.
#ifndef SIAMESE_FRAMEWORK_OPS_OPS_H_
#define SIAMESE_FRAMEWORK_OPS_OPS_H_

#include "framework/ops/activation.h"
#include "framework/ops/attention.h"
#include "framework/ops/conv.h"
#include "framework/ops/distance.h"
#include "framework/ops/dropout.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/embedding.h"
#include "framework/ops/frozen_weights.h"
#include "framework/ops/linear.h"
#include "framework/ops/logsumexp.h"
#include "framework/ops/norm.h"
#include "framework/ops/pool.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/ops/softmax.h"

#endif  // SIAMESE_FRAMEWORK_OPS_OPS_H_
