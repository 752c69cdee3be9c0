#include "test_support.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>

#include "imaging/generation_parameters.h"
#include "imaging/grid.h"
#include "imaging/image.h"
#include "imaging/image_decode.h"
#include "imaging/jpeg_io.h"
#include "imaging/png_io.h"
#include "imaging/tensor_image.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace fs = std::filesystem;
using mrti::GenerationParameters;
using mrti::Image;
using mrti::Rgb8;

namespace {

// A temp_dir that is removed again when the test function ends.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& tag) : path(mrti_test::temp_dir(tag)) {}
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator+(const std::string& rel) const { return path + rel; }
  operator const std::string&() const { return path; }
};

// r = x, g = y, b = (x * 7 + y * 13) % 256: every pixel tells where it came from.
Image pattern(int w, int h) {
  Image img = mrti::make_image(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = static_cast<uint8_t>(x);
      p[1] = static_cast<uint8_t>(y);
      p[2] = static_cast<uint8_t>((x * 7 + y * 13) % 256);
    }
  return img;
}

Image noise(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  Image img = mrti::make_image(w, h);
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng() & 0xFF);
  return img;
}

Rgb8 px(const Image& img, int x, int y) {
  const uint8_t* p = img.pixel(x, y);
  return {p[0], p[1], p[2]};
}

bool same(Rgb8 a, Rgb8 b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of the mrti::Error that f throws, or "" when it throws none.
template <class F>
QString error_of(F&& f) {
  try {
    f();
  } catch (const mrti::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return QString();
}

#define EXPECT_ERROR(expr, ...)                                                                  \
  do {                                                                                           \
    const QString _msg = error_of([&] { (void)(expr); });                                        \
    QVERIFY2(!_msg.isEmpty(), #expr " did not throw mrti::Error");                               \
    for (const char* _part : {__VA_ARGS__})                                                      \
      QVERIFY2(_msg.contains(QString::fromUtf8(_part)),                                          \
               qPrintable(QString("message '%1' lacks '%2'").arg(_msg, QString::fromUtf8(_part)))); \
  } while (0)

// ---- PNG chunk building (independent of the code under test) ----------------------

uint32_t crc32_of(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32_of(type + data));
}

// A zlib stream holding `data` in one stored (uncompressed) deflate block.
std::string zlib_stored(const std::string& data) {
  uint32_t a = 1, b = 0;
  for (unsigned char c : data) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  const auto len = static_cast<uint16_t>(data.size());
  const auto nlen = static_cast<uint16_t>(~len);
  std::string s = {'\x78', '\x01', '\x01'};
  s += {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8), static_cast<char>(nlen & 0xFF),
        static_cast<char>(nlen >> 8)};
  return s + data + be32((b << 16) | a);
}

const std::string kNul(1, '\0');

// A JPEG with an APP1 Exif segment carrying only the Orientation tag, right after SOI.
std::string with_exif_orientation(const std::string& jpeg, uint16_t orientation) {
  std::string tiff = std::string("II\x2A\0", 4) + std::string("\x08\0\0\0", 4);  // little endian, IFD0 at 8
  tiff += std::string("\x01\0", 2);                                                 // 1 entry
  tiff += std::string("\x12\x01\x03\0\x01\0\0\0", 8);                               // 0x0112 SHORT x1
  tiff += std::string{static_cast<char>(orientation), 0, 0, 0};
  tiff += std::string(4, '\0');  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const auto len = static_cast<uint16_t>(payload.size() + 2);
  const std::string app1 = std::string("\xFF\xE1", 2) + static_cast<char>(len >> 8) + static_cast<char>(len & 0xFF) + payload;
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

void compare_params(const GenerationParameters& a, const GenerationParameters& b) {
  QCOMPARE(QString::fromStdString(a.prompt), QString::fromStdString(b.prompt));
  QCOMPARE(QString::fromStdString(a.negative_prompt), QString::fromStdString(b.negative_prompt));
  QCOMPARE(QString::fromStdString(a.sampler), QString::fromStdString(b.sampler));
  QCOMPARE(QString::fromStdString(a.model), QString::fromStdString(b.model));
  QCOMPARE(a.model_hash.has_value(), b.model_hash.has_value());
  if (a.model_hash) QCOMPARE(QString::fromStdString(*a.model_hash), QString::fromStdString(*b.model_hash));
  QCOMPARE(a.seed, b.seed);
  QCOMPARE(a.steps, b.steps);
  QCOMPARE(a.width, b.width);
  QCOMPARE(a.height, b.height);
  QCOMPARE(a.cfg_scale, b.cfg_scale);
  QCOMPARE(a.extra.size(), b.extra.size());
  for (const auto& [k, v] : b.extra) {
    QVERIFY2(a.extra.count(k), qPrintable(QString("missing extra key '%1'").arg(QString::fromStdString(k))));
    QCOMPARE(QString::fromStdString(a.extra.at(k)), QString::fromStdString(v));
  }
  QVERIFY(a == b);
}

}  // namespace

class TestImaging : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void tensorToImageRounding();
  void tensorToImageLayouts();
  void imageToTensor();
  void pngRoundTrip();
  void pngForeignTextChunks();
  void pngErrors();
  void a1111Format();
  void a1111ParseForeign();
  void a1111RoundTrip();
  void a1111Errors();
  void parametersInPng();
  void gridLayout();
  void decodeFormats();
  void decodeErrors();
  void decodeSizeLimit();
  void exifOrientation();
  void jpegThroughLibjpeg();
  void resizeCropFlip();
};

void TestImaging::tensorToImageRounding() {
  // Ties that are exact in float32 (126.5f / 255 * 255 == 126.5f) go to the even
  // integer, as numpy's round in diffusers' numpy_to_pil does.
  const float tie126 = 126.5f / 255.0f, tie2 = 2.5f / 255.0f, tie4 = 4.5f / 255.0f;
  QVERIFY(tie126 * 255.0f == 126.5f && tie2 * 255.0f == 2.5f && tie4 * 255.0f == 4.5f);
  const std::vector<float> values = {0.0f, 1.0f, -0.5f, 1.7f, 0.5f, tie126, tie2, tie4, 0.1f, 0.2f, 1.0f / 255.0f,
                                     std::numeric_limits<float>::quiet_NaN()};
  const std::vector<int> expected = {0, 255, 0, 255, 128, 126, 2, 4, 26, 51, 1, 0};
  const int n = static_cast<int>(values.size());
  // [3,1,n]: channel c holds the values shifted by c, so channel order is checked too.
  auto t = torch::empty({3, 1, n});
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < n; ++i) t[c][0][i] = values[static_cast<std::size_t>((i + c) % n)];
  const Image img = mrti::tensor_to_image(t);
  QCOMPARE(img.width, n);
  QCOMPARE(img.height, 1);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < n; ++i) QCOMPARE(int(img.pixel(i, 0)[c]), expected[static_cast<std::size_t>((i + c) % n)]);
}

void TestImaging::tensorToImageLayouts() {
  auto chw = torch::rand({3, 5, 7}, torch::TensorOptions().dtype(torch::kFloat));
  const Image a = mrti::tensor_to_image(chw);
  QCOMPARE(a.width, 7);
  QCOMPARE(a.height, 5);
  QVERIFY(mrti::tensor_to_image(chw.permute({1, 2, 0}).contiguous()) == a);
  QVERIFY(mrti::tensor_to_image(chw.permute({1, 2, 0})) == a);  // non-contiguous view
  // Pixel (x=6, y=4), green channel.
  QCOMPARE(int(a.pixel(6, 4)[1]), int(std::nearbyint(chw[1][4][6].item<float>() * 255.0f)));

  auto batch = torch::stack({chw, 1 - chw});
  const auto images = mrti::tensor_to_images(batch);
  QCOMPARE(images.size(), std::size_t{2});
  QVERIFY(images[0] == a);
  QVERIFY(mrti::tensor_to_images(batch.permute({0, 2, 3, 1})) == images);
  QCOMPARE(mrti::tensor_to_images(chw).size(), std::size_t{1});

  // float64 and uint8 inputs.
  QVERIFY(mrti::tensor_to_image(chw.to(torch::kDouble)) == a);
  auto u8 = mrti::image_to_uint8_tensor(a);
  QCOMPARE(u8.sizes(), (torch::IntArrayRef{5, 7, 3}));
  QVERIFY(mrti::tensor_to_image(u8) == a);

  EXPECT_ERROR(mrti::tensor_to_image(torch::zeros({4, 5, 6})), "[4, 5, 6]");
  EXPECT_ERROR(mrti::tensor_to_images(torch::zeros({5, 6})), "[5, 6]");
  EXPECT_ERROR(mrti::tensor_to_image(torch::zeros({3, 2, 2}, torch::kInt)), "dtype");
}

void TestImaging::imageToTensor() {
  Image img = mrti::make_image(256, 1);
  for (int x = 0; x < 256; ++x) {
    img.pixel(x, 0)[0] = static_cast<uint8_t>(x);
    img.pixel(x, 0)[1] = static_cast<uint8_t>(255 - x);
    img.pixel(x, 0)[2] = 128;
  }
  auto t = mrti::image_to_tensor(img);
  QCOMPARE(t.sizes(), (torch::IntArrayRef{3, 1, 256}));
  QCOMPARE(t.scalar_type(), torch::kFloat);
  QCOMPARE(t[0][0][0].item<float>(), -1.0f);
  QCOMPARE(t[0][0][255].item<float>(), 1.0f);
  QCOMPARE(t[1][0][0].item<float>(), 1.0f);
  QCOMPARE(t[2][0][7].item<float>(), static_cast<float>(128 / 127.5 - 1.0));  // 0.0039215686
  QCOMPARE(t[0][0][127].item<float>(), static_cast<float>(127 / 127.5 - 1.0));
  // [-1,1] -> [0,1] -> uint8 gives every value back.
  QVERIFY(mrti::tensor_to_image(t / 2 + 0.5) == img);

  auto batch = mrti::images_to_tensor({img, img});
  QCOMPARE(batch.sizes(), (torch::IntArrayRef{2, 3, 1, 256}));
  EXPECT_ERROR(mrti::images_to_tensor({img, mrti::make_image(2, 2)}), "image 1", "2x2", "256x1");
}

void TestImaging::pngRoundTrip() {
  const TempDir dir("imaging-png");
  const Image img = noise(37, 23, 1);
  const std::string params =
      "μια γάτα στο φεγγάρι, 月の上の猫 🐱🚀\n"
      "Negative prompt: θολό, ぼやけた\n"
      "Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 37x23";
  const mrti::PngText text = {{"parameters", params}, {"Software", "MRTI Studio"}, {"Empty", ""}};
  const std::string path = dir + "/out.png";
  mrti::write_png(path, img, text);

  QVERIFY(mrti::decode_png(path) == img);
  QVERIFY(mrti::decode_image(path) == img);  // OpenCV agrees with libpng
  const auto back = mrti::read_png_text(path);
  QCOMPARE(back.size(), text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    QCOMPARE(QString::fromStdString(back[i].first), QString::fromStdString(text[i].first));
    QCOMPARE(QString::fromUtf8(back[i].second.c_str()), QString::fromUtf8(text[i].second.c_str()));
  }
  QCOMPARE(QString::fromStdString(*mrti::find_png_text(back, "Software")), QString("MRTI Studio"));
  QVERIFY(!mrti::find_png_text(back, "Nope"));

  // Non-ASCII goes to iTXt, ASCII to tEXt; the atomic write leaves no temporary behind.
  const std::string bytes = mrti::read_file(path);
  QVERIFY(bytes.find("iTXtparameters") != std::string::npos);
  QVERIFY(bytes.find("tEXtSoftware") != std::string::npos);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) files += e.is_regular_file();
  QCOMPARE(files, 1);

  // In-memory encode/decode matches the file.
  const std::string mem = mrti::encode_png(img, text);
  QVERIFY(mrti::decode_png(mem.data(), mem.size()) == img);
  QCOMPARE(mrti::read_png_text(mem.data(), mem.size()).size(), text.size());

  // Invalid UTF-8 is replaced, not refused (the image must still be saved).
  mrti::write_png(path, img, {{"bad", std::string("ok \xFF\xFE end")}});
  QCOMPARE(QString::fromStdString(mrti::read_png_text(path).at(0).second), QString::fromUtf8("ok \uFFFD\uFFFD end"));

  EXPECT_ERROR(mrti::encode_png(img, {{"", "x"}}), "key");
  EXPECT_ERROR(mrti::encode_png(img, {{" lead", "x"}}), "' lead'");
  EXPECT_ERROR(mrti::encode_png(img, {{"k", std::string("a\0b", 3)}}), "'k'", "NUL");
  EXPECT_ERROR(mrti::encode_png(Image{}), "empty");
  EXPECT_ERROR(mrti::write_png(dir + "/no/such/folder/x.png", img), "no/such/folder");
}

void TestImaging::pngForeignTextChunks() {
  // Chunks other tools write: Latin-1 tEXt, zTXt, compressed iTXt with a language tag,
  // and a text chunk after the image data.
  const std::string base = mrti::encode_png(noise(5, 4, 2), {{"parameters", "p"}});
  const std::size_t after_ihdr = 8 + 8 + 13 + 4;
  QCOMPARE(base.substr(after_ihdr + 4, 4), std::string("tEXt"));
  const std::string greek_key = "Περιγραφή", greek_text = "Καλημέρα κόσμε";
  const std::string before = chunk("tEXt", "Comment" + kNul + "caf\xE9 cr\xE8me") +
                             chunk("zTXt", "Title" + kNul + kNul + zlib_stored("zipped, text")) +
                             chunk("iTXt", "Description" + kNul + "\x01" + kNul + "el" + kNul + greek_key + kNul +
                                               zlib_stored(greek_text));
  const std::string after = chunk("tEXt", "After" + kNul + "end");
  const std::string png = base.substr(0, after_ihdr) + before + base.substr(after_ihdr, base.size() - 12 - after_ihdr) +
                          after + base.substr(base.size() - 12);
  const auto text = mrti::read_png_text(png.data(), png.size());
  const mrti::PngText expected = {{"Comment", "caf\xC3\xA9 cr\xC3\xA8me"},
                                  {"Title", "zipped, text"},
                                  {"Description", greek_text},
                                  {"parameters", "p"},
                                  {"After", "end"}};
  QCOMPARE(text.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    QCOMPARE(QString::fromStdString(text[i].first), QString::fromStdString(expected[i].first));
    QCOMPARE(QString::fromStdString(text[i].second), QString::fromStdString(expected[i].second));
  }
  QVERIFY(mrti::decode_png(png.data(), png.size()) == noise(5, 4, 2));

  // The same from a file, and a corrupted text chunk is reported with the file name.
  const TempDir dir("imaging-png-foreign");
  write_bytes(dir + "/foreign.png", png);
  QCOMPARE(mrti::read_png_text(dir + "/foreign.png").size(), expected.size());
  std::string bad = png;
  bad[after_ihdr + 8 + 8] ^= 0x20;  // inside the Comment value
  write_bytes(dir + "/badcrc.png", bad);
  EXPECT_ERROR(mrti::read_png_text(dir + "/badcrc.png"), "badcrc.png", "CRC");

  // A file cut inside the image data still yields the text before it.
  const std::string cut = png.substr(0, after_ihdr + before.size() + 40);
  QCOMPARE(mrti::read_png_text(cut.data(), cut.size()).size(), std::size_t{4});
}

void TestImaging::pngErrors() {
  const TempDir dir("imaging-png-errors");
  write_bytes(dir + "/text.png", "just some text, not an image\n");
  EXPECT_ERROR(mrti::decode_png(dir + "/text.png"), "text.png", "not a PNG");
  EXPECT_ERROR(mrti::read_png_text(dir + "/text.png"), "text.png", "not a PNG");
  EXPECT_ERROR(mrti::decode_png(dir + "/missing.png"), "missing.png", "not found");
  EXPECT_ERROR(mrti::read_png_text(dir + "/missing.png"), "missing.png", "not found");
  const std::string good = mrti::encode_png(noise(64, 64, 3));
  write_bytes(dir + "/cut.png", good.substr(0, good.size() / 2));
  EXPECT_ERROR(mrti::decode_png(dir + "/cut.png"), "cut.png", "corrupt");
  write_bytes(dir + "/empty.png", "");
  EXPECT_ERROR(mrti::decode_png(dir + "/empty.png"), "empty.png", "empty");
}

void TestImaging::a1111Format() {
  GenerationParameters p;
  p.prompt = "a photo of <cat|3|>, oil painting";
  p.negative_prompt = "blurry, lowres";
  p.steps = 20;
  p.sampler = "Euler a";
  p.cfg_scale = 7.5;
  p.seed = 42;
  p.width = 512;
  p.height = 512;
  p.model_hash = "cc6cb27103";
  p.model = "v1-5-pruned-emaonly";
  p.extra = {{"Batch pos", "1"}, {"Concepts", "cat: cat.safetensors"}, {"Device", "cpu"}, {"Dtype", "fp32"}};
  QCOMPARE(QString::fromStdString(p.to_a1111_string()),
           QString("a photo of <cat|3|>, oil painting\n"
                   "Negative prompt: blurry, lowres\n"
                   "Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model hash: cc6cb27103, "
                   "Model: v1-5-pruned-emaonly, Batch pos: 1, Concepts: \"cat: cat.safetensors\", Device: cpu, "
                   "Dtype: fp32"));

  GenerationParameters q;
  q.prompt = "a cat";
  q.steps = 30;
  q.sampler = "DPM++ 2M Karras";
  q.cfg_scale = 7;
  q.seed = 1234567890123;
  q.width = 768;
  q.height = 512;
  QCOMPARE(QString::fromStdString(q.to_a1111_string()),
           QString("a cat\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890123, Size: 768x512"));

  q.prompt.clear();
  q.negative_prompt = "ugly";
  q.extra = {{"Note", "line 1\nline \"2\"\\"}};
  QCOMPARE(QString::fromStdString(q.to_a1111_string()),
           QString("Negative prompt: ugly\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890123, "
                   "Size: 768x512, Note: \"line 1\\nline \\\"2\\\"\\\\\""));
}

void TestImaging::a1111ParseForeign() {
  // As AUTOMATIC1111 1.9 writes it.
  const std::string text =
      "masterpiece, 1girl, (smile:1.2)\n"
      "Negative prompt: lowres, bad anatomy\n"
      "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 3771318474, Size: 512x768, "
      "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: \"add_detail: 7c6bad76eb54\", "
      "Version: v1.9.4";
  const auto p = mrti::parse_a1111(text);
  QCOMPARE(QString::fromStdString(p.prompt), QString("masterpiece, 1girl, (smile:1.2)"));
  QCOMPARE(QString::fromStdString(p.negative_prompt), QString("lowres, bad anatomy"));
  QCOMPARE(p.steps, 28);
  QCOMPARE(QString::fromStdString(p.sampler), QString("DPM++ 2M"));
  QCOMPARE(p.cfg_scale, 7.0);
  QCOMPARE(p.seed, int64_t{3771318474});
  QCOMPARE(p.width, 512);
  QCOMPARE(p.height, 768);
  QCOMPARE(QString::fromStdString(p.model_hash.value_or("")), QString("6ce0161689"));
  QCOMPARE(QString::fromStdString(p.model), QString("v1-5-pruned-emaonly"));
  QCOMPARE(p.extra.size(), std::size_t{3});
  QCOMPARE(QString::fromStdString(p.extra.at("Schedule type")), QString("Karras"));
  QCOMPARE(QString::fromStdString(p.extra.at("Lora hashes")), QString("add_detail: 7c6bad76eb54"));
  QCOMPARE(QString::fromStdString(p.extra.at("Version")), QString("v1.9.4"));

  // Only a prompt (fewer than 3 parameters on the last line): everything is prompt.
  const auto only = mrti::parse_a1111("a cat\nwith: a hat, and: boots");
  QCOMPARE(QString::fromStdString(only.prompt), QString("a cat\nwith: a hat, and: boots"));
  QCOMPARE(only.steps, 0);
  QVERIFY(only.extra.empty());
  // Older files: "CFG scale: 7.0", and a stray unparseable fragment is skipped as A1111 does.
  const auto old = mrti::parse_a1111("x\nSteps: 5, junk, CFG scale: 7.0, Seed: 1, Size: 64x64");
  QCOMPARE(old.cfg_scale, 7.0);
  QCOMPARE(old.steps, 5);
  QCOMPARE(old.seed, int64_t{1});
  QVERIFY(old.extra.empty());
}

void TestImaging::a1111RoundTrip() {
  GenerationParameters base;
  base.steps = 25;
  base.sampler = "Euler a";
  base.cfg_scale = 7.5;
  base.seed = 42;
  base.width = 512;
  base.height = 768;
  base.model = "sd15";

  std::vector<GenerationParameters> cases;
  auto add = [&](const std::string& prompt, const std::string& negative) {
    GenerationParameters p = base;
    p.prompt = prompt;
    p.negative_prompt = negative;
    cases.push_back(p);
    return &cases.back();
  };
  add("a \"quoted\" cat, style: oil, 50% {red|blue}", "");
  add("line one\nline two, with: colon\n\nafter a blank line", "neg 1\nneg: \"2\"\n");
  add("Steps: 1, Sampler: x, Seed: 2\nreal prompt", "Steps: 3, Seed: 4, Size: 1x1");
  add("", "only a negative");
  add("", "");
  add("μια γάτα, 月の上の猫 🐱, <cat(0.8)>", "θολό,  ぼやけた");
  add("trailing newline\n", " leading space in negative");
  {
    GenerationParameters* p = add("extras", "n");
    p->extra = {{"Say", "say \"hi\""},
                {"Quoted", "\"quoted\""},
                {"Slash", "back\\slash, comma"},
                {"Lead", " leading"},
                {"Trail", "trailing "},
                {"Tab", "tab\there"},
                {"Multi", "multi\nline: value"},
                {"Unicode", "ünïcödé: 猫"},
                {"Empty", ""},
                {"Batch pos", "3"},
                {"Lora-hashes/x", "a: 1, b: 2"}};
    p->model_hash = "abc123";
    p->model = "model, with comma";
    p->sampler = "DPM++ 2M Karras";
    p->cfg_scale = 12.3456789;
    p->seed = std::numeric_limits<int64_t>::max();
  }
  {
    GenerationParameters* p = add("negative seed, empty model", "");
    p->seed = -1;
    p->model.clear();
    p->sampler.clear();
    p->cfg_scale = 0.001;
    p->model_hash = "";
  }
  for (const auto& p : cases) {
    const std::string s = p.to_a1111_string();
    compare_params(mrti::parse_a1111(s), p);
    if (QTest::currentTestFailed()) qWarning("failed on: %s", s.c_str());
  }
}

void TestImaging::a1111Errors() {
  GenerationParameters p;
  p.extra = {{"Seed", "1"}};
  EXPECT_ERROR(p.to_a1111_string(), "'Seed'");
  p.extra = {{"a:b", "1"}};
  EXPECT_ERROR(p.to_a1111_string(), "'a:b'");
  p.extra = {{"x", "1"}};
  EXPECT_ERROR(p.to_a1111_string(), "'x'");
  EXPECT_ERROR(mrti::parse_a1111("p\nSteps: many, Seed: 1, Size: 8x8"), "'Steps'", "many");
  EXPECT_ERROR(mrti::parse_a1111("p\nSteps: 1, Seed: 1, Size: big"), "'Size'", "big");
  EXPECT_ERROR(mrti::parse_a1111("p\nSteps: 1, Seed: 1.5, Size: 8x8"), "'Seed'");
}

void TestImaging::parametersInPng() {
  const TempDir dir("imaging-params");
  GenerationParameters p;
  p.prompt = "ένα σκυλί\n二行目, \"quoted\"";
  p.negative_prompt = "😀";
  p.steps = 4;
  p.cfg_scale = 3.25;
  p.seed = 7;
  p.width = 8;
  p.height = 6;
  p.extra = {{"Concepts", "<dog[2]>: dog.safetensors"}};
  mrti::write_png(dir + "/p.png", noise(8, 6, 4), mrti::to_png_text(p));
  const auto back = mrti::read_png_parameters(dir + "/p.png");
  QVERIFY(back.has_value());
  compare_params(*back, p);
  mrti::write_png(dir + "/none.png", noise(8, 6, 4));
  QVERIFY(!mrti::read_png_parameters(dir + "/none.png").has_value());
}

void TestImaging::gridLayout() {
  std::vector<Image> five;
  for (int i = 0; i < 5; ++i)
    five.push_back(mrti::make_image(4, 3, Rgb8{static_cast<uint8_t>(10 * (i + 1)), 0, static_cast<uint8_t>(i)}));
  const Rgb8 bg{255, 255, 255};
  const Image g = mrti::make_grid(five, 0, 2, bg);
  QCOMPARE(g.width, 3 * (4 + 2) + 2);  // auto: 3 columns, 2 rows
  QCOMPARE(g.height, 2 * (3 + 2) + 2);
  for (int i = 0; i < 5; ++i) {
    const int x0 = 2 + (i % 3) * 6, y0 = 2 + (i / 3) * 5;
    const Rgb8 c = px(five[static_cast<std::size_t>(i)], 0, 0);
    QVERIFY(same(px(g, x0, y0), c));
    QVERIFY(same(px(g, x0 + 3, y0 + 2), c));
    QVERIFY(same(px(g, x0 + 4, y0), bg));  // gap to the right
    QVERIFY(same(px(g, x0, y0 + 3), bg));  // gap below
  }
  QVERIFY(same(px(g, 0, 0), bg));
  QVERIFY(same(px(g, 2 + 2 * 6, 2 + 5), bg));  // the sixth cell is empty
  QVERIFY(same(px(g, g.width - 1, g.height - 1), bg));

  // Explicit columns, no padding.
  const Image two = mrti::make_grid({five[0], five[1], five[2]}, 2);
  QCOMPARE(two.width, 8);
  QCOMPARE(two.height, 6);
  QVERIFY(same(px(two, 4, 0), px(five[1], 0, 0)));
  QVERIFY(same(px(two, 0, 3), px(five[2], 0, 0)));
  QVERIFY(same(px(two, 7, 5), Rgb8{}));

  // Auto columns for other counts: 1 -> 1x1, 2 -> 2x1, 4 -> 2x2, 10 -> 4x3.
  const std::vector<std::pair<int, std::pair<int, int>>> shapes = {{1, {1, 1}}, {2, {2, 1}}, {4, {2, 2}}, {10, {4, 3}}};
  for (const auto& [n, cr] : shapes) {
    const Image gi = mrti::make_grid(std::vector<Image>(static_cast<std::size_t>(n), five[0]));
    QCOMPARE(gi.width, cr.first * 4);
    QCOMPARE(gi.height, cr.second * 3);
  }
  // More columns than images: one row.
  QCOMPARE(mrti::make_grid({five[0], five[1]}, 5).width, 8);

  // A smaller image is centred in the cell.
  const Image big = mrti::make_image(4, 4, Rgb8{1, 2, 3}), small = mrti::make_image(2, 2, Rgb8{9, 9, 9});
  const Image mixed = mrti::make_grid({big, small}, 2, 0, Rgb8{5, 5, 5});
  QVERIFY(same(px(mixed, 4 + 1, 1), Rgb8{9, 9, 9}));
  QVERIFY(same(px(mixed, 4 + 2, 2), Rgb8{9, 9, 9}));
  QVERIFY(same(px(mixed, 4, 0), Rgb8{5, 5, 5}));
  QVERIFY(same(px(mixed, 4 + 3, 3), Rgb8{5, 5, 5}));

  EXPECT_ERROR(mrti::make_grid({}), "no images");
  EXPECT_ERROR(mrti::make_grid({five[0], Image{}}), "image 1");
}

void TestImaging::decodeFormats() {
  const TempDir dir("imaging-decode");
  const Image exact = noise(31, 17, 5);
  mrti::write_png(dir + "/a.png", exact);
  QVERIFY(mrti::decode_image(dir + "/a.png") == exact);
  const std::string bmp = mrti::encode_image(exact, ".bmp");
  QCOMPARE(bmp.substr(0, 2), std::string("BM"));
  write_bytes(dir + "/a.bmp", bmp);
  QVERIFY(mrti::decode_image(dir + "/a.bmp") == exact);
  QVERIFY(mrti::decode_image(bmp.data(), bmp.size()) == exact);

  // Lossy formats: a smooth image comes back close.
  Image smooth = mrti::make_image(64, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) {
      uint8_t* p = smooth.pixel(x, y);
      p[0] = static_cast<uint8_t>(x * 4);
      p[1] = static_cast<uint8_t>(y * 5);
      p[2] = static_cast<uint8_t>(200 - x - y);
    }
  for (const std::string ext : {".jpg", ".webp"}) {
    std::string bytes;
    try {
      bytes = mrti::encode_image(smooth, ext, 95);
    } catch (const mrti::Error&) {
      QVERIFY2(ext != ".jpg", "JPEG encoding must be available");
      qInfo("%s is not supported by this OpenCV build: skipped", ext.c_str());
      continue;
    }
    if (ext == ".webp") {
      QCOMPARE(bytes.substr(12, 4), std::string("VP8 "));  // lossy
      const std::string lossless = mrti::encode_image(exact, ext, 101);
      QCOMPARE(lossless.substr(12, 4), std::string("VP8L"));
      QVERIFY(mrti::decode_image(lossless.data(), lossless.size()) == exact);
    }
    write_bytes(dir + "/s" + ext, bytes);
    const Image back = mrti::decode_image(dir + "/s" + ext);
    QCOMPARE(back.width, 64);
    QCOMPARE(back.height, 48);
    double sum = 0;
    for (std::size_t i = 0; i < back.rgb.size(); ++i) sum += std::abs(int(back.rgb[i]) - int(smooth.rgb[i]));
    const double mad = sum / back.rgb.size();
    qInfo("%s mean abs difference at quality 95: %.3f", ext.c_str(), mad);
    QVERIFY2(mad < 2.0, qPrintable(QString("%1 mean abs difference %2").arg(ext.c_str()).arg(mad)));
  }
  EXPECT_ERROR(mrti::encode_image(exact, ".nope"), ".nope");
}

void TestImaging::decodeErrors() {
  const TempDir dir("imaging-decode-errors");
  EXPECT_ERROR(mrti::decode_image(dir + "/missing.jpg"), "missing.jpg", "not found");
  write_bytes(dir + "/text.png", "hello, I am text\n");
  EXPECT_ERROR(mrti::decode_image(dir + "/text.png"), "text.png", "not an image");
  write_bytes(dir + "/empty.jpg", "");
  EXPECT_ERROR(mrti::decode_image(dir + "/empty.jpg"), "empty.jpg", "empty");
  const std::string png = mrti::encode_png(noise(64, 64, 6));
  write_bytes(dir + "/cut.png", png.substr(0, png.size() / 2));
  EXPECT_ERROR(mrti::decode_image(dir + "/cut.png"), "cut.png", "PNG", "corrupt");
  std::string garbage = mrti::encode_image(noise(16, 16, 7), ".jpg").substr(0, 20);
  garbage += std::string(200, '\x55');
  write_bytes(dir + "/garbage.jpg", garbage);
  EXPECT_ERROR(mrti::decode_image(dir + "/garbage.jpg"), "garbage.jpg", "JPEG", "corrupt");
  EXPECT_ERROR(mrti::decode_image("GIF89a....", 10, "anim.gif"), "anim.gif", "GIF");
  fs::create_directories(dir + "/folder.png");
  EXPECT_ERROR(mrti::decode_image(dir + "/folder.png"), "folder.png");
}

void TestImaging::decodeSizeLimit() {
  // Every format's header is read for its size without decoding.
  const Image img = noise(37, 21, 8);
  std::vector<std::string> exts = {".png", ".jpg", ".bmp", ".tiff", ".webp"};
  for (const std::string& ext : exts) {
    std::string bytes;
    try {
      bytes = mrti::encode_image(img, ext, ext == ".webp" ? 101 : 95);
    } catch (const mrti::Error&) {
      QVERIFY2(ext != ".png" && ext != ".jpg", "PNG and JPEG encoding must be available");
      continue;
    }
    const auto dims = mrti::image_dimensions(bytes.data(), bytes.size());
    QVERIFY2(dims.has_value(), ext.c_str());
    QCOMPARE(dims->first, int64_t(37));
    QCOMPARE(dims->second, int64_t(21));
    QVERIFY(!mrti::image_dimensions(bytes.data(), 6));  // cut before the size
  }
  QVERIFY(!mrti::image_dimensions("hello", 5));

  // A PNG and a JPEG of a few hundred bytes declaring 30000x30000 are refused before
  // anything is allocated for their pixels.
  const TempDir dir("imaging-decode-limit");
  std::string png = mrti::encode_png(img);
  const auto put_be32 = [](std::string& s, std::size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) s[at + k] = char((v >> (24 - 8 * k)) & 0xFF);
  };
  const auto set_png_size = [&](std::string& s, uint32_t w, uint32_t h) {
    put_be32(s, 16, w);
    put_be32(s, 20, h);
    uint32_t crc = 0xFFFFFFFFu;  // IHDR's CRC over its type and data, as a real file has it
    for (std::size_t i = 12; i < 29; ++i) {
      crc ^= uint8_t(s[i]);
      for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    put_be32(s, 29, ~crc);
  };
  set_png_size(png, 30000, 30000);
  write_bytes(dir + "/bomb.png", png);
  EXPECT_ERROR(mrti::decode_image(dir + "/bomb.png"), "bomb.png", "30000x30000", "megapixels");
  EXPECT_ERROR(mrti::decode_png(dir + "/bomb.png"), "bomb.png", "megapixels");
  set_png_size(png, 0xFFFFFFFFu, 30000);  // a product past 64 bits is still refused
  EXPECT_ERROR(mrti::decode_image(png.data(), png.size(), "huge.png"), "huge.png", "megapixels");
  std::string jpg = mrti::encode_image(img, ".jpg");
  const std::size_t sof = jpg.find("\xFF\xC0");
  QVERIFY(sof != std::string::npos);
  jpg[sof + 5] = char(0xFF), jpg[sof + 6] = char(0xFF), jpg[sof + 7] = char(0xFF), jpg[sof + 8] = char(0xFF);
  EXPECT_ERROR(mrti::decode_image(jpg.data(), jpg.size(), "bomb.jpg"), "bomb.jpg", "65535x65535", "megapixels");
  // A text chunk declaring 2 GB in a file of a few hundred bytes (the image fuzzer's case:
  // the decoder allocated the declared length before reading it) is refused by its offset.
  std::string text_bomb = mrti::encode_png(img, {{"parameters", "a cat"}});
  QCOMPARE(text_bomb.substr(37, 4), std::string("tEXt"));
  put_be32(text_bomb, 33, 0x7A545874u);
  for (const auto& decode : {+[](const std::string& s) { return mrti::decode_image(s.data(), s.size(), "text.png"); },
                             +[](const std::string& s) { return mrti::decode_png(s.data(), s.size(), "text.png"); }})
    EXPECT_ERROR(decode(text_bomb), "text.png", "corrupt PNG", "'tEXt' at byte 33", "2052348020");
  // Bytes after IEND are not chunks.
  const std::string trailing = mrti::encode_png(img) + std::string("\0\0\0\xFFjunk", 8);
  QCOMPARE(mrti::decode_image(trailing.data(), trailing.size()).width, img.width);
  QCOMPARE(mrti::decode_png(trailing.data(), trailing.size()).width, img.width);
  // 8192x8192 itself is allowed (only declared here: it fails later as cut short).
  set_png_size(png, 8192, 8192);
  try {
    mrti::decode_image(png.data(), png.size(), "edge.png");
    QFAIL("a cut-short PNG decoded");
  } catch (const mrti::Error& e) {
    QVERIFY2(!QString(e.what()).contains("megapixels"), e.what());
  }
}

void TestImaging::jpegThroughLibjpeg() {
  // libjpeg alone (the build without OpenCV's imgcodecs) reads what the image codecs write,
  // pixel for pixel as they read it, and writes what they read back close to the original.
  const Image img = noise(45, 29, 3);
  const std::string bytes = mrti::encode_image(img, ".jpg", 90);
  const Image ours = mrti::decode_jpeg(bytes.data(), bytes.size(), "noise.jpg");
  const Image theirs = mrti::decode_image(bytes.data(), bytes.size(), "noise.jpg");
  QCOMPARE(ours.width, 45);
  QCOMPARE(ours.height, 29);
  int worst = 0;
  for (std::size_t i = 0; i < ours.rgb.size(); ++i) worst = std::max(worst, std::abs(ours.rgb[i] - theirs.rgb[i]));
  QVERIFY2(worst <= 1, qPrintable(QString::number(worst)));

  const Image flat = mrti::make_image(40, 24, {200, 40, 90});
  const std::string written = mrti::encode_jpeg(flat, 95);
  const Image back = mrti::decode_image(written.data(), written.size(), "flat.jpg");
  QCOMPARE(back.width, 40);
  QCOMPARE(back.height, 24);
  for (int c = 0; c < 3; ++c) QVERIFY(std::abs(int(back.pixel(20, 12)[c]) - int(flat.pixel(20, 12)[c])) <= 3);

  // A file cut inside its tables, junk after the JPEG marker, nothing to encode: errors.
  const std::string cut = written.substr(0, 100);
  EXPECT_ERROR(mrti::decode_jpeg(cut.data(), cut.size(), "cut.jpg"), "'cut.jpg'", "JPEG");
  const std::string junk = "\xFF\xD8\xFF\xE0 not a jpeg at all";
  EXPECT_ERROR(mrti::decode_jpeg(junk.data(), junk.size(), "junk.jpg"), "'junk.jpg'", "cannot be decoded");
  EXPECT_ERROR(mrti::encode_jpeg(Image{}, 90), "empty");
}

void TestImaging::exifOrientation() {
  // 16x8: left half red, right half blue; 8x8 blocks keep JPEG exact enough.
  Image img = mrti::make_image(16, 8, Rgb8{0, 0, 255});
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) img.pixel(x, y)[0] = 255, img.pixel(x, y)[2] = 0;
  const std::string jpeg = mrti::encode_image(img, ".jpg", 100);
  auto is_red = [](const Image& im, int x, int y) { return im.pixel(x, y)[0] > 200 && im.pixel(x, y)[2] < 60; };
  auto is_blue = [](const Image& im, int x, int y) { return im.pixel(x, y)[2] > 200 && im.pixel(x, y)[0] < 60; };

  const TempDir dir("imaging-exif");
  struct Case {
    uint16_t orientation;
    int w, h;
    int red_x, red_y, blue_x, blue_y;  // centres of the red and blue halves when upright
  };
  const Case cases[] = {
      {1, 16, 8, 4, 4, 12, 4},  // as stored
      {3, 16, 8, 12, 4, 4, 4},  // rotated 180
      {6, 8, 16, 4, 4, 4, 12},  // rotate 90 clockwise to view: left goes to the top
      {8, 8, 16, 4, 12, 4, 4},  // rotate 90 counter-clockwise: left goes to the bottom
  };
  for (const Case& c : cases) {
    const std::string bytes = with_exif_orientation(jpeg, c.orientation);
    const std::string path = dir + "/o" + std::to_string(c.orientation) + ".jpg";
    write_bytes(path, bytes);
    for (const Image& im : {mrti::decode_image(path), mrti::decode_image(bytes.data(), bytes.size())}) {
      QCOMPARE(im.width, c.w);
      QCOMPARE(im.height, c.h);
      QVERIFY2(is_red(im, c.red_x, c.red_y), qPrintable(QString("orientation %1: red half").arg(c.orientation)));
      QVERIFY2(is_blue(im, c.blue_x, c.blue_y), qPrintable(QString("orientation %1: blue half").arg(c.orientation)));
    }
  }
}

void TestImaging::resizeCropFlip() {
  // Area downscaling averages 2x2 blocks: {0,100,200,100} -> 100.
  Image blocks = mrti::make_image(4, 4);
  const uint8_t quad[4] = {0, 100, 200, 100};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      uint8_t* p = blocks.pixel(x, y);
      p[0] = quad[(y % 2) * 2 + (x % 2)];
      p[1] = x < 2 ? 10 : 250;
      p[2] = y < 2 ? 30 : 60;
    }
  const Image half = mrti::resize(blocks, 2, 2);
  QCOMPARE(half.width, 2);
  QCOMPARE(half.height, 2);
  QVERIFY(same(px(half, 0, 0), Rgb8{100, 10, 30}));
  QVERIFY(same(px(half, 1, 0), Rgb8{100, 250, 30}));
  QVERIFY(same(px(half, 0, 1), Rgb8{100, 10, 60}));
  QVERIFY(same(px(half, 1, 1), Rgb8{100, 250, 60}));

  // Nearest upscaling repeats pixels; bicubic keeps a flat image flat.
  const Image src = pattern(2, 2);
  const Image up = mrti::resize(src, 4, 4, mrti::Interpolation::Nearest);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) QVERIFY(same(px(up, x, y), px(src, x / 2, y / 2)));
  const Image flat = mrti::resize(mrti::make_image(3, 5, Rgb8{40, 80, 120}), 7, 11);
  QVERIFY(flat == mrti::make_image(7, 11, Rgb8{40, 80, 120}));
  QVERIFY(mrti::resize(mrti::make_image(9, 9, Rgb8{1, 2, 3}), 4, 4, mrti::Interpolation::Lanczos) ==
          mrti::make_image(4, 4, Rgb8{1, 2, 3}));

  const Image wide = mrti::resize_shorter_side(mrti::make_image(300, 200), 100);
  QCOMPARE(wide.width, 150);
  QCOMPARE(wide.height, 100);
  const Image tall = mrti::resize_shorter_side(mrti::make_image(200, 301), 100);
  QCOMPARE(tall.width, 100);
  QCOMPARE(tall.height, 150);  // 150.5 truncated

  // Crops: the pattern says where each pixel came from.
  const Image p = pattern(5, 3);
  const Image c = mrti::crop(p, 1, 1, 3, 2);
  QCOMPARE(c.width, 3);
  QCOMPARE(c.height, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) QVERIFY(same(px(c, x, y), px(p, x + 1, y + 1)));
  const Image cc = mrti::center_crop(p, 2);  // offset ((5-2)/2, (3-2)/2) = (1, 0)
  QVERIFY(same(px(cc, 0, 0), px(p, 1, 0)));
  QVERIFY(same(px(cc, 1, 1), px(p, 2, 1)));
  const Image sq = mrti::center_crop_square(p);  // 3x3 at (1, 0)
  QCOMPARE(sq.width, 3);
  QCOMPARE(sq.height, 3);
  QVERIFY(same(px(sq, 0, 0), px(p, 1, 0)));
  QVERIFY(same(px(sq, 2, 2), px(p, 3, 2)));

  const Image big = pattern(20, 12);
  std::mt19937_64 rng(123), rng2(123);
  std::set<std::pair<int, int>> offsets;
  for (int i = 0; i < 200; ++i) {
    const Image r = mrti::random_crop(big, 8, rng);
    QCOMPARE(r.width, 8);
    QCOMPARE(r.height, 8);
    const int ox = r.pixel(0, 0)[0], oy = r.pixel(0, 0)[1];
    QVERIFY(ox >= 0 && ox <= 12 && oy >= 0 && oy <= 4);
    QVERIFY(r == mrti::crop(big, ox, oy, 8, 8));
    QVERIFY(r == mrti::random_crop(big, 8, rng2));  // same seed, same crops
    offsets.insert({ox, oy});
  }
  QVERIFY2(offsets.size() > 40, qPrintable(QString("only %1 of 65 offsets drawn").arg(offsets.size())));

  const Image f = mrti::flip_horizontal(p);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) QVERIFY(same(px(f, x, y), px(p, 4 - x, y)));
  QVERIFY(mrti::flip_horizontal(f) == p);

  EXPECT_ERROR(mrti::crop(p, 3, 0, 3, 3), "3x3", "5x3");
  EXPECT_ERROR(mrti::center_crop(p, 4), "5x3", "4x4", "resize");
  EXPECT_ERROR(mrti::random_crop(p, 4, rng), "5x3");
  EXPECT_ERROR(mrti::resize(p, 0, 3), "0x3");
}

QTEST_APPLESS_MAIN(TestImaging)
#include "test_imaging.moc"
