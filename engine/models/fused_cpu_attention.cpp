#include "models/fused_cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include "runtime/cpu_features.h"
#include "runtime/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MRTI_HAS_X86 1
#define MRTI_AVX2 __attribute__((target("avx2,fma")))
// Tiles keep their accumulators in registers only when their loops are unrolled.
#define MRTI_UNROLL _Pragma("GCC unroll 8")
#else
#define MRTI_HAS_X86 0
#endif

namespace mrti {

namespace {

constexpr int64_t kLargestHead = 256;

bool cpu_has_avx2_fma() {
#if MRTI_HAS_X86
  static const bool has = [] {
    const CpuFeatures cpu = cpu_features();
    return cpu.avx2 && cpu.fma;
  }();
  return has;
#else
  return false;
#endif
}

// fn(begin, end) over [0, n) in equal parts, one per LibTorch thread, the caller taking the
// first. Plain threads: at::parallel_for is inline OpenMP, serial in code built without it,
// and a second OpenMP runtime beside LibTorch's (the pip builds bundle their own) is worse.
template <class Fn>
void split_over_threads(int64_t n, const Fn& fn) {
  const int64_t threads = std::clamp<int64_t>(at::get_num_threads(), 1, std::max<int64_t>(n, 1));
  std::exception_ptr error;
  std::mutex error_mutex;
  auto part = [&](int64_t t) {
    try {
      fn(n * t / threads, n * (t + 1) / threads);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(size_t(threads - 1));
  for (int64_t t = 1; t < threads; ++t) helpers.emplace_back(part, t);
  part(0);
  for (auto& h : helpers) h.join();
  if (error) std::rethrow_exception(error);
}

#if MRTI_HAS_X86

constexpr int64_t kPanelKeys = 16;    // keys per packed panel of k: two AVX vectors of scores
constexpr int64_t kScoreRows = 6;     // queries per score tile: 12 accumulators in registers
constexpr int64_t kBlockQueries = 24;  // 24 x 4096 float scores = 384 KiB, inside a 512 KiB L2
constexpr int64_t kValueKeys = 32;     // keys per pass of the value product: their rows stay in L1
constexpr int64_t kValueVectors = 5;   // output columns per value tile: 5 x 8 = 40, SD 1.x's head size

// e^x for x <= 0 (Cephes' expf polynomial, as in LibTorch's and Eigen's vector versions): the
// exponent 2^n from n = round(x / ln 2), the rest from a degree-6 polynomial; < 2 ulp.
MRTI_AVX2 inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lowest = _mm256_set1_ps(-87.3f);  // below: e^x is under float's smallest normal
  const __m256 underflow = _mm256_cmp_ps(x, lowest, _CMP_LT_OQ);
  x = _mm256_max_ps(lowest, x);  // a NaN passes (max gives its second operand then), as in softmax
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // x - n ln 2 in two parts, so the reduced argument keeps its low bits.
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
  return _mm256_andnot_ps(underflow, y);
}

MRTI_AVX2 inline float horizontal_max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

MRTI_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// k of one head, [Lk, D] rows `stride` apart, as panels [Lk / 16][D][16] (the last padded with
// zeros): a panel's 16 keys for one feature are one contiguous pair of vectors.
void pack_keys(const float* k, int64_t stride, int64_t keys, int64_t d, float* panels) {
  const int64_t count = (keys + kPanelKeys - 1) / kPanelKeys;
  for (int64_t p = 0; p < count; ++p) {
    float* panel = panels + p * d * kPanelKeys;
    for (int64_t j = 0; j < kPanelKeys; ++j) {
      const int64_t key = p * kPanelKeys + j;
      if (key < keys) {
        const float* row = k + key * stride;
        for (int64_t f = 0; f < d; ++f) panel[f * kPanelKeys + j] = row[f];
      } else {
        for (int64_t f = 0; f < d; ++f) panel[f * kPanelKeys + j] = 0.f;
      }
    }
  }
}

// scores[r][0..16) = q_r . panel keys for R query rows.
template <int R>
MRTI_AVX2 void score_tile(const float* q, int64_t q_stride, const float* panel, int64_t d, float* scores,
                          int64_t s_stride) {
  __m256 acc[R][2];
  MRTI_UNROLL
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t f = 0; f < d; ++f) {
    const __m256 k0 = _mm256_loadu_ps(panel + f * kPanelKeys), k1 = _mm256_loadu_ps(panel + f * kPanelKeys + 8);
    MRTI_UNROLL
    for (int r = 0; r < R; ++r) {
      const __m256 b = _mm256_broadcast_ss(q + r * q_stride + f);
      acc[r][0] = _mm256_fmadd_ps(b, k0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(b, k1, acc[r][1]);
    }
  }
  MRTI_UNROLL
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(scores + r * s_stride, acc[r][0]);
    _mm256_storeu_ps(scores + r * s_stride + 8, acc[r][1]);
  }
}

MRTI_AVX2 void score_rows(int rows, const float* q, int64_t q_stride, const float* panel, int64_t d, float* scores,
                          int64_t s_stride) {
  switch (rows) {
    case 6: return score_tile<6>(q, q_stride, panel, d, scores, s_stride);
    case 5: return score_tile<5>(q, q_stride, panel, d, scores, s_stride);
    case 4: return score_tile<4>(q, q_stride, panel, d, scores, s_stride);
    case 3: return score_tile<3>(q, q_stride, panel, d, scores, s_stride);
    case 2: return score_tile<2>(q, q_stride, panel, d, scores, s_stride);
    default: return score_tile<1>(q, q_stride, panel, d, scores, s_stride);
  }
}

// row[0..n) <- e^((row - max) * scale) in place; returns their sum.
MRTI_AVX2 float softmax_numerators(float* row, int64_t n, float scale) {
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + i));
  float max = horizontal_max(vmax);
  for (; i < n; ++i) max = std::max(max, row[i]);
  const __m256 vscale = _mm256_set1_ps(scale), vshift = _mm256_set1_ps(max);
  __m256 vsum = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = exp_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + i), vshift), vscale));
    _mm256_storeu_ps(row + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = horizontal_sum(vsum);
  for (; i < n; ++i) {
    row[i] = std::exp((row[i] - max) * scale);
    sum += row[i];
  }
  return sum;
}

// out[r][0..8V) += sum over `keys` of p[r][key] * v[key][0..8V) for R rows.
template <int R, int V>
MRTI_AVX2 void value_tile(const float* p, int64_t p_stride, const float* v, int64_t v_stride, int64_t keys, float* out,
                          int64_t o_stride) {
  __m256 acc[R][V];
  MRTI_UNROLL
  for (int r = 0; r < R; ++r)
    MRTI_UNROLL
    for (int c = 0; c < V; ++c) acc[r][c] = _mm256_loadu_ps(out + r * o_stride + 8 * c);
  for (int64_t key = 0; key < keys; ++key) {
    __m256 b[R];
    MRTI_UNROLL
    for (int r = 0; r < R; ++r) b[r] = _mm256_broadcast_ss(p + r * p_stride + key);
    const float* row = v + key * v_stride;
    MRTI_UNROLL
    for (int c = 0; c < V; ++c) {
      const __m256 x = _mm256_loadu_ps(row + 8 * c);
      MRTI_UNROLL
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(b[r], x, acc[r][c]);
    }
  }
  MRTI_UNROLL
  for (int r = 0; r < R; ++r)
    MRTI_UNROLL
    for (int c = 0; c < V; ++c) _mm256_storeu_ps(out + r * o_stride + 8 * c, acc[r][c]);
}

template <int R>
MRTI_AVX2 void value_rows(int vectors, const float* p, int64_t p_stride, const float* v, int64_t v_stride,
                          int64_t keys, float* out, int64_t o_stride) {
  switch (vectors) {
    case 5: return value_tile<R, 5>(p, p_stride, v, v_stride, keys, out, o_stride);
    case 4: return value_tile<R, 4>(p, p_stride, v, v_stride, keys, out, o_stride);
    case 3: return value_tile<R, 3>(p, p_stride, v, v_stride, keys, out, o_stride);
    case 2: return value_tile<R, 2>(p, p_stride, v, v_stride, keys, out, o_stride);
    default: return value_tile<R, 1>(p, p_stride, v, v_stride, keys, out, o_stride);
  }
}

struct Shape {
  int64_t batch, heads, d, lq, lk, inner, panels;
};

// One block of `rows` queries of head (b, h): scores, softmax, values, written to `out`.
MRTI_AVX2 void attention_block(const Shape& s, const float* q, const float* v, const float* key_panels, float* out,
                               int64_t rows, float* scores, float* acc) {
  const int64_t s_stride = s.panels * kPanelKeys;
  for (int64_t p = 0; p < s.panels; ++p) {
    const float* panel = key_panels + p * s.d * kPanelKeys;
    for (int64_t r = 0; r < rows; r += kScoreRows) {
      const int n = int(std::min(kScoreRows, rows - r));
      score_rows(n, q + r * s.inner, s.inner, panel, s.d, scores + r * s_stride + p * kPanelKeys, s_stride);
    }
  }
  const float scale = float(1.0 / std::sqrt(double(s.d)));
  float sums[kBlockQueries];
  for (int64_t r = 0; r < rows; ++r) sums[r] = softmax_numerators(scores + r * s_stride, s.lk, scale);

  std::fill(acc, acc + rows * s.d, 0.f);
  for (int64_t k0 = 0; k0 < s.lk; k0 += kValueKeys) {
    const int64_t keys = std::min(kValueKeys, s.lk - k0);
    for (int64_t r = 0; r < rows; r += 2) {
      for (int64_t c = 0; c < s.d; c += 8 * kValueVectors) {
        const int vectors = int(std::min<int64_t>(kValueVectors, (s.d - c) / 8));
        const float* p = scores + r * s_stride + k0;
        const float* vv = v + k0 * s.inner + c;
        if (rows - r >= 2)
          value_rows<2>(vectors, p, s_stride, vv, s.inner, keys, acc + r * s.d + c, s.d);
        else
          value_rows<1>(vectors, p, s_stride, vv, s.inner, keys, acc + r * s.d + c, s.d);
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    const __m256 inv = _mm256_set1_ps(1.f / sums[r]);
    for (int64_t c = 0; c < s.d; c += 8)
      _mm256_storeu_ps(out + r * s.inner + c, _mm256_mul_ps(_mm256_loadu_ps(acc + r * s.d + c), inv));
  }
}

#endif  // MRTI_HAS_X86

}  // namespace

bool fused_cpu_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads) {
  if (!cpu_has_avx2_fma() || heads < 1) return false;
  for (const at::Tensor* t : {&q, &k, &v})
    if (t->dim() != 3 || !t->device().is_cpu() || t->scalar_type() != at::kFloat ||
        (t->requires_grad() && at::GradMode::is_enabled()))
      return false;
  const int64_t inner = q.size(2), d = inner / heads;
  // Heads of 512 (the VAE's) are matrix products BLAS already runs near its best rate.
  return inner % heads == 0 && d % 8 == 0 && d <= kLargestHead && k.size(2) == inner && v.size(2) == inner &&
         k.size(0) == q.size(0) && v.size(0) == q.size(0) && k.size(1) == v.size(1) && k.size(1) > 0;
}

at::Tensor fused_cpu_attention(const at::Tensor& q_in, const at::Tensor& k_in, const at::Tensor& v_in, int64_t heads) {
  if (!fused_cpu_attention_applies(q_in, k_in, v_in, heads))
    throw Error("fused CPU attention takes float32 [B, L, H*D] tensors without gradients, D a multiple of 8 up to 256, on a "
                "CPU with AVX2 and FMA");
#if MRTI_HAS_X86
  // The record keeps a reference to its inputs: they must outlive it.
  const std::vector<c10::IValue> inputs{q_in, k_in, v_in};
  RECORD_FUNCTION("mrti::fused_cpu_attention", inputs);
  const at::Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  Shape s;
  s.batch = q.size(0), s.heads = heads, s.inner = q.size(2), s.d = s.inner / heads;
  s.lq = q.size(1), s.lk = k.size(1), s.panels = (s.lk + kPanelKeys - 1) / kPanelKeys;
  at::Tensor out = at::empty_like(q);
  if (s.lq == 0) return out;

  const int64_t heads_total = s.batch * s.heads, panel_floats = s.panels * s.d * kPanelKeys;
  at::Tensor packed = at::empty({heads_total, panel_floats}, q.options());
  const float* kp = k.data_ptr<float>();
  float* packed_ptr = packed.data_ptr<float>();
  split_over_threads(heads_total, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const int64_t b = n / s.heads, h = n % s.heads;
      pack_keys(kp + b * s.lk * s.inner + h * s.d, s.inner, s.lk, s.d, packed_ptr + n * panel_floats);
    }
  });

  const int64_t blocks = (s.lq + kBlockQueries - 1) / kBlockQueries;
  const float *qp = q.data_ptr<float>(), *vp = v.data_ptr<float>();
  float* op = out.data_ptr<float>();
  split_over_threads(heads_total * blocks, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(size_t(kBlockQueries * s.panels * kPanelKeys)), acc(size_t(kBlockQueries * s.d));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / blocks, q0 = (task % blocks) * kBlockQueries;
      const int64_t b = n / s.heads, h = n % s.heads, rows = std::min(kBlockQueries, s.lq - q0);
      const int64_t q_offset = (b * s.lq + q0) * s.inner + h * s.d;
      attention_block(s, qp + q_offset, vp + b * s.lk * s.inner + h * s.d, packed_ptr + n * panel_floats,
                      op + q_offset, rows, scores.data(), acc.data());
    }
  });
  return out;
#else
  return {};
#endif
}

}  // namespace mrti
