// Layer and batch normalization, forward and backward on oneDNN's
// layer_normalization and batch_normalization primitives.
#ifndef SIAMESE_FRAMEWORK_OPS_NORM_H_
#define SIAMESE_FRAMEWORK_OPS_NORM_H_

#include "framework/autograd/variable.h"

namespace siamese {

// Normalizes x over its last dim D:
//   y = (x - mean) / sqrt(var + eps) * gamma + beta,
// with mean and (biased) var taken over the last dim of each row. gamma
// (scale) and beta (shift) are [D]; either may be undefined, meaning no
// scale (1) or no shift (0). x is made plain; the result is plain, shape of x.
// Gradients flow to x, gamma and beta.
// REQUIRES: 1 <= x.rank() <= 5; gamma/beta, when defined, are [D].
Variable LayerNorm(const Variable& x, const Variable& gamma, const Variable& beta,
                   float eps = 1e-5f);

// Normalizes each channel c of x ([N, C], [N, C, L], [N, C, H, W] or
// [N, C, D, H, W], in any layout, e.g. the blocked output of a convolution;
// the result has x's layout):
//   y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c.
// gamma and beta are [C]; either may be undefined (no scale / no shift).
//
// training == true: mean_c and var_c are the statistics of the batch (over N
// and the spatial dims; var biased, as in the normalization itself), and the
// running statistics, when given, are updated in place with PyTorch's
// convention:
//   running_mean = (1 - momentum) * running_mean + momentum * mean_c
//   running_var  = (1 - momentum) * running_var  + momentum * var_c * n / (n - 1)
// i.e. running_var tracks the UNBIASED batch variance (n = N * spatial size).
// Gradients are those of the batch-statistics formula (through mean and var).
// running_mean/running_var may be null in training (no tracking).
//
// training == false: mean_c and var_c are *running_mean and *running_var
// (unchanged); the op is the per-channel affine map above, and its gradients
// are dx = dy * gamma / sqrt(var + eps), dgamma = sum(dy * x_hat), dbeta = sum(dy).
//
// REQUIRES: 2 <= x.rank() <= 5; gamma/beta, when defined, are [C];
// running_mean/running_var, when given, are plain defined [C] tensors (and
// are given when !training); in training, N * spatial size > 1.
Variable BatchNorm(const Variable& x, const Variable& gamma, const Variable& beta,
                   Tensor* running_mean, Tensor* running_var, bool training, float momentum = 0.1f,
                   float eps = 1e-5f);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_NORM_H_
