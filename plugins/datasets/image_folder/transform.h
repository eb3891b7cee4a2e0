// The pixel work of the image_folder dataset: fitting a decoded image to
// the example size (shorter side scaled to `size`, center crop), and the
// training-time augmentation of image_folder.proto's ImageAugmentation.
//
// Both resample by area averaging: output pixel (y, x) of an h x w output
// taken from the source rectangle [top, top + height) x [left, left + width)
// is the mean of the source over its cell, each source pixel weighted by
// its overlap (exact block means when shrinking by an integer factor; when
// enlarging, the covering pixel, blended only where cells straddle two).
#ifndef SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_TRANSFORM_H_
#define SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_TRANSFORM_H_

#include <cstdint>
#include <vector>

#include "framework/io/image.h"
#include "plugins/datasets/image_folder/image_folder.pb.h"

namespace siamese {

// Converts `image` to `channels` (1: BT.601 luma; 3: gray repeated) and
// fits it to size x size: the centered square of side min(h, w) (the
// shorter side scaled to `size`, the longer one center-cropped), resampled
// by area. Returns channels * size * size bytes, planar ([C, H, W], as
// examples are laid out). REQUIRES: channels 1 or 3, size >= 1, a
// non-empty image of 1 or 3 channels.
std::vector<uint8_t> FitImage(const ColorImage& image, int channels, int size);

// One plane: the source rectangle (top, left, height, width, in source
// pixels, fractional allowed) of the h x w plane `src` resampled by area to
// out_h x out_w floats. REQUIRES: the rectangle inside the plane, positive.
void ResamplePlane(const float* src, int h, int w, double top, double left, double height,
                   double width, int out_h, int out_w, float* dst);

// Writes example `pixels` (planar bytes [C, S, S], from FitImage) to dst as
// floats in [0, 1], augmented as `augment` says: a random resized crop, a
// horizontal flip, color jitter, all drawn from Rng(seed) forked by epoch
// and then by example, so the same (seed, epoch, example) always gives the
// same floats whatever the thread or order.
void AugmentImage(const uint8_t* pixels, int channels, int size,
                  const ImageAugmentation& augment, uint64_t seed, int64_t epoch,
                  int64_t example, float* dst);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_TRANSFORM_H_
