#include "plugins/datasets/image_folder/transform.h"

#include <algorithm>
#include <cmath>

#include "framework/base/check.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

// For each output index along one axis, the source indices its cell
// [start + o * step, start + (o + 1) * step) overlaps and their weights
// (summing to 1).
struct Taps {
  std::vector<int> first;
  std::vector<std::vector<float>> weights;
};

Taps AxisTaps(int n, double start, double length, int out) {
  Taps t;
  const double step = length / out;
  for (int o = 0; o < out; ++o) {
    const double a = start + o * step, b = a + step;
    int lo = std::max(0, static_cast<int>(std::floor(a)));
    const int hi = std::min(n, static_cast<int>(std::ceil(b)));
    if (lo >= hi) lo = std::max(0, hi - 1);
    std::vector<float> w;
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double overlap = std::min<double>(b, i + 1) - std::max<double>(a, i);
      w.push_back(static_cast<float>(std::max(overlap, 0.0)));
      total += w.back();
    }
    for (float& v : w) v = total > 0 ? static_cast<float>(v / total) : 1.0f / w.size();
    t.first.push_back(lo);
    t.weights.push_back(std::move(w));
  }
  return t;
}

}  // namespace

void ResamplePlane(const float* src, int h, int w, double top, double left, double height,
                   double width, int out_h, int out_w, float* dst) {
  const Taps rows = AxisTaps(h, top, height, out_h);
  const Taps cols = AxisTaps(w, left, width, out_w);
  std::vector<float> row(w);
  for (int oy = 0; oy < out_h; ++oy) {
    // The output row's source rows, blended, then the columns.
    std::fill(row.begin(), row.end(), 0.0f);
    for (size_t k = 0; k < rows.weights[oy].size(); ++k) {
      const float* s = src + static_cast<int64_t>(rows.first[oy] + k) * w;
      const float wt = rows.weights[oy][k];
      for (int x = 0; x < w; ++x) row[x] += wt * s[x];
    }
    for (int ox = 0; ox < out_w; ++ox) {
      float v = 0;
      for (size_t k = 0; k < cols.weights[ox].size(); ++k) {
        v += cols.weights[ox][k] * row[cols.first[ox] + k];
      }
      dst[static_cast<int64_t>(oy) * out_w + ox] = v;
    }
  }
}

std::vector<uint8_t> FitImage(const ColorImage& image, int channels, int size) {
  SIAMESE_CHECK((channels == 1 || channels == 3) && size >= 1 && image.height > 0 &&
                image.width > 0 && (image.channels == 1 || image.channels == 3))
      << "FitImage: bad arguments";
  const int h = static_cast<int>(image.height), w = static_cast<int>(image.width);
  const int64_t n = static_cast<int64_t>(h) * w;
  // Planes of the wanted channels, as floats 0..255.
  std::vector<float> planes(channels * n);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = &image.pixels[i * image.channels];
    if (image.channels == channels) {
      for (int c = 0; c < channels; ++c) planes[c * n + i] = p[c];
    } else if (channels == 3) {
      for (int c = 0; c < 3; ++c) planes[c * n + i] = p[0];
    } else {
      planes[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
  }
  const double side = std::min(h, w);
  const double top = (h - side) / 2, left = (w - side) / 2;
  std::vector<float> out(static_cast<size_t>(size) * size);
  std::vector<uint8_t> bytes(static_cast<size_t>(channels) * size * size);
  for (int c = 0; c < channels; ++c) {
    ResamplePlane(&planes[c * n], h, w, top, left, side, side, size, size, out.data());
    for (size_t k = 0; k < out.size(); ++k) {
      bytes[c * out.size() + k] =
          static_cast<uint8_t>(std::clamp(std::lround(out[k]), 0L, 255L));
    }
  }
  return bytes;
}

void AugmentImage(const uint8_t* pixels, int channels, int size,
                  const ImageAugmentation& augment, uint64_t seed, int64_t epoch,
                  int64_t example, float* dst) {
  Rng rng = Rng(seed).Fork(0x617567ULL).Fork(static_cast<uint64_t>(epoch)).Fork(
      static_cast<uint64_t>(example));
  const int64_t n = static_cast<int64_t>(size) * size;
  std::vector<float> plane(n);
  // Random resized crop: area share in [min_crop_area, 1], aspect ratio
  // log-uniform in [3/4, 4/3], position uniform (drawn even when off, so
  // switching one transformation never shifts the others' draws).
  const float area = rng.Uniform(std::min(augment.min_crop_area(), 1.0f), 1.0f);
  const float log_ratio = rng.Uniform(std::log(3.0f / 4), std::log(4.0f / 3));
  const float u = rng.Uniform(), v = rng.Uniform();
  const bool flip = rng.Uniform() < 0.5f && augment.horizontal_flip();
  const float j = augment.color_jitter();
  const float brightness = rng.Uniform(1 - j, 1 + j);
  const float contrast = rng.Uniform(1 - j, 1 + j);
  const float saturation = rng.Uniform(1 - j, 1 + j);
  double cw = size, ch = size;
  if (augment.min_crop_area() < 1.0f) {
    const double ratio = std::exp(log_ratio);
    cw = std::min<double>(size, size * std::sqrt(area * ratio));
    ch = std::min<double>(size, size * std::sqrt(area / ratio));
  }
  const double left = u * (size - cw), top = v * (size - ch);
  for (int c = 0; c < channels; ++c) {
    for (int64_t k = 0; k < n; ++k) plane[k] = pixels[c * n + k] * (1.0f / 255.0f);
    float* out = dst + c * n;
    ResamplePlane(plane.data(), size, size, top, left, ch, cw, size, size, out);
    if (flip) {
      for (int y = 0; y < size; ++y) std::reverse(out + y * size, out + (y + 1) * size);
    }
  }
  if (j <= 0) return;
  // Color jitter on the luma: brightness scales, contrast stretches around
  // the image's mean luma, saturation around each pixel's luma.
  std::vector<float> luma(n);
  double mean = 0;
  for (int64_t k = 0; k < n; ++k) {
    luma[k] = channels == 1 ? dst[k]
                            : 0.299f * dst[k] + 0.587f * dst[n + k] + 0.114f * dst[2 * n + k];
    mean += luma[k];
  }
  mean /= n;
  for (int c = 0; c < channels; ++c) {
    float* out = dst + c * n;
    for (int64_t k = 0; k < n; ++k) {
      float x = channels == 3 ? luma[k] + (out[k] - luma[k]) * saturation : out[k];
      x = (x * brightness - mean * brightness) * contrast + mean * brightness;
      out[k] = std::clamp(x, 0.0f, 1.0f);
    }
  }
}

}  // namespace siamese
