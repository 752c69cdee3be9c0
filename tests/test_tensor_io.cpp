#include "test_support.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include <QJsonDocument>
#include <QJsonObject>


#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "tensor_io/pickle_writer.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"
#include "tensor_io/torch_pickle.h"

namespace fs = std::filesystem;

namespace {

using mrti_test::contains;
using mrti_test::error_of;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A safetensors file from a literal header and data, for malformed-input tests.
std::string raw_safetensors(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

using Pickle = mrti::PickleWriter;
using mrti::write_torch_zip;

// OrderedDict with: a [3,4] view of storage 0 (12 floats), its transpose, a view with
// offset/stride, a parameter, an int64 tensor (storage 1, 3 elements) and a float16 one
// (storage 2, 2 elements); then BUILD with the _metadata state torch adds. Keys are
// SHORT_BINUNICODE, as newer protocols write them.
Pickle state_dict_pickle() {
  Pickle p;
  p.global("collections", "OrderedDict").put(0).op(')').op('R').put(1).mark();
  p.short_str("w").tensor("FloatStorage", "0", 12, 0, {3, 4}, {4, 1});
  p.short_str("wt").tensor("FloatStorage", "0", 12, 0, {4, 3}, {1, 4});
  p.short_str("odd").tensor("FloatStorage", "0", 12, 1, {2, 2}, {5, 2});  // elements 1, 3, 6, 8
  p.short_str("param").global("torch._utils", "_rebuild_parameter");
  p.mark().tensor("FloatStorage", "0", 12, 11, {1}, {1}).op('\x88').get(0).op(')').op('R').op('t').op('R');
  p.short_str("ids").tensor("LongStorage", "1", 3, 0, {3}, {1});
  p.short_str("h").tensor("HalfStorage", "2", 2, 0, {2}, {1});
  p.short_str("empty").tensor("FloatStorage", "0", 12, 12, {0, 5}, {5, 1});
  p.op('u');
  p.op('}').short_str("_metadata").get(0).op(')').op('R').op('s').op('b');  // BUILD state, ignored
  p.stop();
  return p;
}

}  // namespace

class TestTensorIo : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // ---- fixtures ------------------------------------------------------------------------

  void pickleMatchesSafetensorsFixture() {
    MRTI_REQUIRE_FIXTURES();
    const auto bin = mrti_test::fixture("tiny-sd15/text_encoder/pytorch_model.bin");
    const auto st = mrti_test::fixture("tiny-sd15/text_encoder/model.safetensors");
    mrti::PyValue root = mrti::load_torch_pickle(bin);
    QVERIFY(root.is_dict());
    const mrti::TensorMap from_bin = mrti::flatten_tensors(root);
    const mrti::SafetensorsFile from_st = mrti::read_safetensors(st);
    QCOMPARE(from_st.metadata.at("format"), std::string("pt"));
    QCOMPARE(from_bin.size(), from_st.tensors.size());
    QVERIFY(from_bin.size() > 30);
    int64_t params = 0;
    for (const auto& [key, t] : from_st.tensors) {
      auto it = from_bin.find(key);
      QVERIFY2(it != from_bin.end(), key.c_str());
      QCOMPARE(it->second.scalar_type(), t.scalar_type());
      QCOMPARE(it->second.sizes(), t.sizes());
      QVERIFY2(torch::equal(it->second, t), key.c_str());
      if (key != "text_model.embeddings.position_ids") params += t.numel();
    }
    QCOMPARE(params, int64_t{1597162});  // README: 1,597,162 parameters
    const auto& pos = from_bin.at("text_model.embeddings.position_ids");
    QCOMPARE(pos.scalar_type(), torch::kLong);
    QCOMPARE(pos.sizes(), (at::IntArrayRef{1, 77}));
    QVERIFY(torch::equal(pos, torch::arange(77, torch::kLong).unsqueeze(0)));
    // load_weights_file dispatches on the extension and gives the same tensors.
    const auto via_bin = mrti::load_weights_file(bin);
    const auto via_st = mrti::load_weights_file(st);
    QCOMPARE(via_bin.size(), via_st.size());
    QVERIFY(torch::equal(via_bin.at("text_model.final_layer_norm.weight"),
                         via_st.at("text_model.final_layer_norm.weight")));
    qInfo("%zu tensors, %lld parameters, all bit-identical", from_bin.size(), static_cast<long long>(params));
  }

  void conceptPickleFixture() {
    MRTI_REQUIRE_FIXTURES();
    const auto tensors =
        mrti::load_weights_file(mrti_test::fixture("multires/concepts/cat/text_encoder/pytorch_model.bin"));
    const auto& emb = tensors.at("text_model.embeddings.token_embedding.weight");
    QCOMPARE(emb.sizes(), (at::IntArrayRef{49418, 32}));
    QCOMPARE(emb.scalar_type(), torch::kFloat);
    const auto ref = mrti::read_safetensors(mrti_test::fixture("multires/cat_embeddings.safetensors"));
    const auto& rows = ref.tensors.at("embeddings");
    QCOMPARE(rows.sizes(), (at::IntArrayRef{10, 32}));
    QVERIFY(torch::equal(emb.slice(0, 49408), rows));
    // The vocabulary rows are the base text encoder's.
    const auto base = mrti::read_safetensors(mrti_test::fixture("tiny-sd15/text_encoder/model.safetensors"));
    QVERIFY(torch::equal(emb.slice(0, 0, 49408), base.tensors.at("text_model.embeddings.token_embedding.weight")));
  }

  void referenceFileDtypes() {
    MRTI_REQUIRE_FIXTURES();
    const auto f = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/unet.safetensors"));
    QCOMPARE(f.tensors.at("sample").scalar_type(), torch::kFloat);
    QCOMPARE(f.tensors.at("sample").sizes(), (at::IntArrayRef{2, 4, 16, 16}));
    QCOMPARE(f.tensors.at("timesteps").scalar_type(), torch::kLong);
    QVERIFY(torch::equal(f.tensors.at("timesteps"), torch::tensor({999, 10}, torch::kLong)));
    QCOMPARE(f.tensors.at("scalar_timestep").dim(), int64_t{0});
    QCOMPARE(f.tensors.at("scalar_timestep").item<int64_t>(), int64_t{500});
    QCOMPARE(f.tensors.at("encoder_hidden_states").sizes(), (at::IntArrayRef{2, 77, 32}));
    const auto meta = mrti::read_safetensors_metadata(mrti_test::fixture("tiny-sd15/unet/diffusion_pytorch_model.safetensors"));
    QCOMPARE(meta.at("format"), std::string("pt"));
  }

  // ---- safetensors write/read -----------------------------------------------------------

  void roundTripEveryDtype() {
    const auto dir = mrti_test::temp_dir("tio-rt");
    const auto path = dir + "/all.safetensors";
    torch::manual_seed(3);
    mrti::TensorMap in;
    in["f64"] = torch::randn({3, 2}, torch::kDouble);
    in["f32"] = torch::randn({5}, torch::kFloat);
    in["f16"] = torch::randn({2, 3}).to(torch::kHalf);
    in["bf16"] = torch::randn({7}).to(torch::kBFloat16);
    in["i64"] = torch::tensor({int64_t{1} << 40, int64_t{-5}, int64_t{7}}, torch::kLong);
    in["i32"] = torch::tensor({-2147483647, 3}, torch::kInt);
    in["i16"] = torch::tensor({-32000, 12}, torch::kShort);
    in["i8"] = torch::tensor({-128, 127, 0}, torch::kChar);
    in["u8"] = torch::tensor({0, 255, 1}, torch::kByte);  // odd sizes exercise the alignment-aware layout
    in["bool"] = torch::tensor({true, false, true});
    in["scalar"] = torch::tensor(2.5f);
    in["empty"] = torch::zeros({0, 4});
    in["strided"] = torch::arange(12, torch::kFloat).view({3, 4}).t();  // non-contiguous source
    const mrti::Metadata meta{{"format", "mrti-concept/1"}, {"name", "cat \"quoted\" ü"}};
    mrti::save_safetensors(path, in, meta);

    const auto out = mrti::read_safetensors(path);
    QCOMPARE(out.metadata, meta);
    QCOMPARE(out.tensors.size(), in.size());
    for (const auto& [k, t] : in) {
      const auto& r = out.tensors.at(k);
      QCOMPARE(r.scalar_type(), t.scalar_type());
      QCOMPARE(r.sizes(), t.sizes());
      QVERIFY2(torch::equal(r, t), k.c_str());
      // Every tensor is naturally aligned, so it aliases the mapping.
      QVERIFY(reinterpret_cast<uintptr_t>(r.data_ptr()) % r.element_size() == 0);
    }
    QCOMPARE(mrti::read_safetensors_metadata(path), meta);
    fs::copy_file(path, dir + "/misnamed.bin");
    QVERIFY(torch::equal(mrti::load_weights_file(dir + "/misnamed.bin").at("bf16"), in["bf16"]));

    // Layout: u64 header size (multiple of 8), sorted-key JSON, __metadata__ present.
    const std::string bytes = [&] {
      std::ifstream f(path, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(f), {});
    }();
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    QCOMPARE(n % 8, uint64_t{0});
    const std::string header = bytes.substr(8, n);
    QVERIFY(header.find_last_not_of(' ') == header.rfind('}'));
    QJsonParseError err{};
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(header), &err);
    QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
    QCOMPARE(doc.object().value("__metadata__").toObject().value("name").toString(), QString("cat \"quoted\" ü"));
    QCOMPARE(doc.object().value("u8").toObject().value("dtype").toString(), QString("U8"));
    QVERIFY(header.find("\"bf16\"") < header.find("\"bool\"") && header.find("\"bool\"") < header.find("\"empty\""));
    // No metadata: no __metadata__ key at all.
    mrti::save_safetensors(dir + "/plain.safetensors", {{"x", torch::ones({2})}});
    QVERIFY(mrti::read_safetensors_metadata(dir + "/plain.safetensors").empty());
    QVERIFY(mrti::read_file(dir + "/plain.safetensors").find("__metadata__") == std::string::npos);
    fs::remove_all(dir);
  }

  void mappedTensorsOutliveAndDoNotWriteTheFile() {
    const auto dir = mrti_test::temp_dir("tio-map");
    const auto path = dir + "/w.safetensors";
    mrti::save_safetensors(path, {{"w", torch::arange(4, torch::kFloat)}});
    at::Tensor w = mrti::read_safetensors(path).tensors.at("w");
    w.add_(10);  // private mapping: the file is not changed
    QVERIFY(torch::equal(mrti::read_safetensors(path).tensors.at("w"), torch::arange(4, torch::kFloat)));
    // Replacing the file does not disturb tensors already read from it.
    mrti::save_safetensors(path, {{"w", torch::zeros({4})}});
    fs::remove(path);
    QVERIFY(torch::equal(w, torch::arange(4, torch::kFloat) + 10));
    fs::remove_all(dir);
  }

  void releasedPagesComeBackFromTheFile() {
    // Loading drops a mapped tensor's pages once copied into the model: reading the tensor
    // again gives the file's values; a tensor in ordinary memory is left alone.
    const auto dir = mrti_test::temp_dir("tio-release");
    const auto path = dir + "/w.safetensors";
    const at::Tensor values = torch::randn({3, 1024, 257});  // pages shared with neighbours at both ends
    mrti::save_safetensors(path, {{"a", torch::ones({7})}, {"w", values}, {"z", torch::full({5}, 2.0)}});
    const auto file = mrti::read_safetensors(path);
    const at::Tensor w = file.tensors.at("w");
    QVERIFY(torch::equal(w, values));
    mrti::release_mapped_pages(w);
    QVERIFY(torch::equal(w, values));
    QVERIFY(torch::equal(file.tensors.at("a"), torch::ones({7})));
    QVERIFY(torch::equal(file.tensors.at("z"), torch::full({5}, 2.0)));
    const at::Tensor heap = values.clone();
    mrti::release_mapped_pages(heap);
    QVERIFY(torch::equal(heap, values));
    fs::remove_all(dir);
  }

  void saveIsAtomic() {
    const auto dir = mrti_test::temp_dir("tio-atomic");
    const auto path = dir + "/keep.safetensors";
    mrti::save_safetensors(path, {{"a", torch::ones({3})}});
    const std::string before = mrti::read_file(path);
    QCOMPARE(files_in(dir), std::vector<std::string>{"keep.safetensors"});

    // A tensor the format cannot hold: the save fails and the old file stays as it was.
    MRTI_EXPECT_ERROR(mrti::save_safetensors(path, {{"a", torch::zeros({3})}, {"c", torch::zeros({2}, torch::kComplexFloat)}}),
                 path, "'c'");
    MRTI_EXPECT_ERROR(mrti::save_safetensors(path, {{"u", at::Tensor()}}), path, "'u'");
    QCOMPARE(mrti::read_file(path), before);
    QCOMPARE(files_in(dir), std::vector<std::string>{"keep.safetensors"});

    // A folder that does not exist.
    const auto nowhere = dir + "/no/such/folder/x.safetensors";
    MRTI_EXPECT_ERROR(mrti::save_safetensors(nowhere, {{"a", torch::ones({1})}}), nowhere, "does not exist");
    QCOMPARE(files_in(dir), std::vector<std::string>{"keep.safetensors"});

    // Overwriting replaces the file whole, leaving nothing else behind.
    mrti::save_safetensors(path, {{"b", torch::full({2}, 7.0)}});
    const auto after = mrti::read_safetensors(path);
    QCOMPARE(after.tensors.size(), size_t{1});
    QVERIFY(torch::equal(after.tensors.at("b"), torch::full({2}, 7.0)));
    QCOMPARE(files_in(dir), std::vector<std::string>{"keep.safetensors"});
    fs::remove_all(dir);
  }

  void badSafetensorsFiles() {
    const auto dir = mrti_test::temp_dir("tio-bad");
    const std::string data16(16, '\0');
    auto check = [&](const std::string& name, const std::string& bytes, const std::string& problem) {
      const std::string path = dir + "/" + name + ".safetensors";
      write_bytes(path, bytes);
      MRTI_EXPECT_ERROR(mrti::read_safetensors(path), path, problem);
      MRTI_EXPECT_ERROR(mrti::read_safetensors_metadata(path), path, problem);
      MRTI_EXPECT_ERROR(mrti::load_weights_file(path), path, problem);
    };
    const std::string good = R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
    check("empty", "", "too short");
    check("seven", "1234567", "too short");
    check("size_lies", u64le(5000) + good + data16, "exceeds");
    check("size_absurd", u64le(uint64_t{1} << 40) + good, "absurd");
    check("bad_json", raw_safetensors(R"({"a":{"dtype":"F32",)", data16), "not valid JSON");
    check("not_object", raw_safetensors("[1,2,3]", data16), "not a JSON object");
    check("truncated", raw_safetensors(good, std::string(10, '\0')), "past the data area");
    check("out_of_range", raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})", data16),
          "past the data area");
    check("overlap", raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                     data16),
          "overlap");
    check("byte_count", raw_safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data16),
          "needs 12");
    check("end_before_begin", raw_safetensors(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}})", data16),
          "before begin");
    check("unknown_dtype", raw_safetensors(R"({"a":{"dtype":"F8_E4M3","shape":[16],"data_offsets":[0,16]}})", data16),
          "unsupported dtype 'F8_E4M3'");
    check("no_dtype", raw_safetensors(R"({"a":{"shape":[4],"data_offsets":[0,16]}})", data16), "missing 'dtype'");
    check("no_shape", raw_safetensors(R"({"a":{"dtype":"F32","data_offsets":[0,16]}})", data16), "missing 'shape'");
    check("no_offsets", raw_safetensors(R"({"a":{"dtype":"F32","shape":[4]}})", data16), "missing 'data_offsets'");
    check("negative_dim", raw_safetensors(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", data16),
          "non-negative");
    check("huge_shape",
          raw_safetensors(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})", data16),
          "needs more than");
    check("bad_metadata", raw_safetensors(R"({"__metadata__":{"n":3}})", ""), "'n' is not a string");
    MRTI_EXPECT_ERROR(mrti::read_safetensors(dir + "/missing.safetensors"), "missing.safetensors", "not found");
    MRTI_EXPECT_ERROR(mrti::load_weights_file(dir), dir, "folder");
    // A header padded with spaces, as the format allows, still reads.
    write_bytes(dir + "/padded.safetensors", raw_safetensors(good + "      ", data16));
    QCOMPARE(mrti::read_safetensors(dir + "/padded.safetensors").tensors.at("a").sizes(), (at::IntArrayRef{2, 2}));
    fs::remove_all(dir);
  }

  // ---- torch pickles --------------------------------------------------------------------

  void pickleContainers() {
    const auto dir = mrti_test::temp_dir("tio-pkl");
    // {'one': {'x': 1}, 'neg': -300, 'big': 2**40, 'f': 0.5, 'flag': True, 'none': None, 'l': [1, 'a'], 'b': b'\x00\x01'}
    Pickle p;
    p.op('}').put(0).mark();
    p.str("one").op('}').str("x").integer(1).op('s');  // one-entry dict: SETITEM
    p.str("neg").integer(-300);
    p.str("big").integer(int64_t{1} << 40);
    p.str("f").op('G');
    const unsigned char half[8] = {0x3f, 0xe0, 0, 0, 0, 0, 0, 0};  // 0.5, big-endian
    p.b.append(reinterpret_cast<const char*>(half), 8);
    p.str("flag").op('\x88').str("none").op('N');
    p.str("l").op(']').mark().integer(1).str("a").op('e');
    p.str("b").op('C').op('\x02').op('\0').op('\x01');
    p.op('u').stop();
    const auto path = dir + "/plain.pt";
    write_torch_zip(path, p.b, {});
    const mrti::PyValue v = mrti::load_torch_pickle(path);
    QVERIFY(v.is_dict());
    QCOMPARE(v.dict().size(), size_t{8});
    QCOMPARE(std::get<int64_t>(v.get("one")->get("x")->v), int64_t{1});
    QCOMPARE(std::get<int64_t>(v.get("neg")->v), int64_t{-300});
    QCOMPARE(std::get<int64_t>(v.get("big")->v), int64_t{1} << 40);
    QCOMPARE(std::get<double>(v.get("f")->v), 0.5);
    QCOMPARE(std::get<bool>(v.get("flag")->v), true);
    QVERIFY(v.get("none")->is_none());
    const auto& l = *std::get<std::shared_ptr<mrti::PyList>>(v.get("l")->v);
    QCOMPARE(l.size(), size_t{2});
    QCOMPARE(l[1].str(), std::string("a"));
    QCOMPARE(std::get<mrti::PyBytes>(v.get("b")->v).data, std::string("\0\x01", 2));
    QVERIFY(v.get("absent") == nullptr);
    QCOMPARE(v.get("one")->type_name(), std::string("dict"));
    MRTI_EXPECT_ERROR(v.get("neg")->dict(), "expected a dict, found an int");
    MRTI_EXPECT_ERROR(v.get("neg")->tensor(), "tensor", "int");
    fs::remove_all(dir);
  }

  void pickleTensorsAndSharedStorage() {
    const auto dir = mrti_test::temp_dir("tio-pkl");
    const auto storage = torch::arange(12, torch::kFloat);
    const auto longs = torch::tensor({int64_t{5}, int64_t{-1}, int64_t{1} << 50}, torch::kLong);
    const auto halves = torch::tensor({1.5f, -2.0f}).to(torch::kHalf);
    const Pickle p = state_dict_pickle();
    const auto path = dir + "/model.bin";
    write_torch_zip(path, p.b, {{"0", storage}, {"1", longs}, {"2", halves}});
    const mrti::TensorMap t = mrti::flatten_tensors(mrti::load_torch_pickle(path));
    QCOMPARE(t.size(), size_t{7});
    QVERIFY(torch::equal(t.at("w"), storage.view({3, 4})));
    QVERIFY(torch::equal(t.at("wt"), storage.view({3, 4}).t()));
    QVERIFY(torch::equal(t.at("odd"), torch::tensor({{1.f, 3.f}, {6.f, 8.f}})));
    QVERIFY(torch::equal(t.at("param"), torch::tensor({11.f})));
    QVERIFY(torch::equal(t.at("ids"), longs));
    QCOMPARE(t.at("h").scalar_type(), torch::kHalf);
    QVERIFY(torch::equal(t.at("h"), halves));
    QCOMPARE(t.at("empty").sizes(), (at::IntArrayRef{0, 5}));
    // One storage behind the views, as in the file.
    QCOMPARE(t.at("wt").data_ptr<float>(), t.at("w").data_ptr<float>());
    QCOMPARE(t.at("odd").data_ptr<float>(), t.at("w").data_ptr<float>() + 1);
    QCOMPARE(t.at("odd").strides(), (at::IntArrayRef{5, 2}));

    // Prefixes join nested keys; load_weights_file unwraps a top-level "state_dict".
    Pickle c;
    c.op('}').mark().str("state_dict").op('}').str("model.w").tensor("FloatStorage", "0", 12, 0, {12}, {1}).op('s');
    c.str("global_step").integer(5).str("epoch").integer(1).op('u').stop();
    const auto ckpt = dir + "/model.ckpt";
    write_torch_zip(ckpt, c.b, {{"0", storage}});
    const auto flat = mrti::flatten_tensors(mrti::load_torch_pickle(ckpt), "root");
    QCOMPARE(flat.size(), size_t{1});
    QVERIFY(flat.count("root.state_dict.model.w"));
    const auto sd = mrti::load_weights_file(ckpt);
    QCOMPARE(sd.size(), size_t{1});
    QVERIFY(torch::equal(sd.at("model.w"), storage));
    // A misnamed file is recognised by its content.
    fs::copy_file(ckpt, dir + "/renamed.safetensors");
    QVERIFY(torch::equal(mrti::load_weights_file(dir + "/renamed.safetensors").at("model.w"), storage));
    fs::remove_all(dir);
  }

  void automatic1111Embedding() {
    const auto dir = mrti_test::temp_dir("tio-a1111");
    torch::manual_seed(5);
    const auto vecs = torch::randn({2, 32});
    // {'string_to_token': {'*': 265}, 'string_to_param': {'*': tensor}, 'name': 'x', 'step': 10}
    Pickle p;
    p.op('}').put(0).mark();
    p.str("string_to_token").op('}').put(1).str("*").put(2).integer(265).op('s');
    p.str("string_to_param").op('}').put(3).get(2);
    p.global("torch._utils", "_rebuild_parameter").mark().tensor("FloatStorage", "0", 64, 0, {2, 32}, {32, 1});
    p.op('\x88').global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('s');
    p.str("name").str("x").str("step").integer(10).op('u').stop();
    const auto path = dir + "/x.pt";
    write_torch_zip(path, p.b, {{"0", vecs}});
    const mrti::PyValue v = mrti::load_torch_pickle(path);
    QCOMPARE(std::get<int64_t>(v.get("string_to_token")->get("*")->v), int64_t{265});
    QVERIFY(torch::equal(v.get("string_to_param")->get("*")->tensor(), vecs));
    QCOMPARE(v.get("name")->str(), std::string("x"));
    QCOMPARE(std::get<int64_t>(v.get("step")->v), int64_t{10});
    const auto flat = mrti::flatten_tensors(v);
    QCOMPARE(flat.size(), size_t{1});
    QVERIFY(flat.count("string_to_param.*"));
    fs::remove_all(dir);
  }

  void refusedAndMalformedPickles() {
    const auto dir = mrti_test::temp_dir("tio-evil");
    auto zip = [&](const std::string& name, const std::string& pickle,
                   const std::vector<std::pair<std::string, at::Tensor>>& storages = {}) {
      const auto path = dir + "/" + name;
      write_torch_zip(path, pickle, storages);
      return path;
    };
    // os.system("echo pwned"), via GLOBAL and via STACK_GLOBAL.
    Pickle evil;
    evil.global("os", "system").str("echo pwned").op('\x85').op('R').stop();
    const auto p1 = zip("evil.bin", evil.b);
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(p1), p1, "os.system", "safetensors");
    Pickle evil2;
    evil2.str("builtins").str("eval").op('\x93').str("1").op('\x85').op('R').stop();
    const auto p2 = zip("evil2.pt", evil2.b);
    MRTI_EXPECT_ERROR(mrti::load_weights_file(p2), p2, "builtins.eval");
    // A Lightning callback object in a checkpoint.
    Pickle cb;
    cb.op('}').str("callbacks").global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
        .op(')').op('\x81').op('s').stop();
    const auto p3 = zip("cb.ckpt", cb.b);
    MRTI_EXPECT_ERROR(mrti::load_weights_file(p3), p3, "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
                 "Python classes");
    // torch globals outside the allow-list are refused too.
    Pickle dev;
    dev.global("torch", "device").str("cpu").op('\x85').op('R').stop();
    const auto p4 = zip("dev.pt", dev.b);
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(p4), p4, "torch.device");

    // Legacy (non-zip) torch.save: starts with the pickled magic number.
    const auto legacy = dir + "/legacy.pt";
    write_bytes(legacy, std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15));
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(legacy), legacy, "legacy");
    MRTI_EXPECT_ERROR(mrti::load_weights_file(legacy), legacy, "legacy");
    const auto text = dir + "/notes.bin";
    write_bytes(text, "hello, this is not a model");
    MRTI_EXPECT_ERROR(mrti::load_weights_file(text), text, "not a PyTorch file");
    const auto empty = dir + "/empty.bin";
    write_bytes(empty, "");
    MRTI_EXPECT_ERROR(mrti::load_weights_file(empty), empty, "empty");

    // A zip cut short loses its directory.
    Pickle ok;
    ok.op('}').str("w").tensor("FloatStorage", "0", 4, 0, {4}, {1}).op('s').stop();
    const auto good = zip("good.bin", ok.b, {{"0", torch::ones({4})}});
    QCOMPARE(mrti::load_weights_file(good).size(), size_t{1});
    const std::string bytes = mrti::read_file(good);
    const auto cut = dir + "/cut.bin";
    write_bytes(cut, bytes.substr(0, bytes.size() / 2));
    MRTI_EXPECT_ERROR(mrti::load_weights_file(cut), cut, "not a valid PyTorch zip archive");
    // Pickle data cut short, a missing storage record, a tensor reaching past its storage.
    const auto trunc = zip("trunc.bin", ok.b.substr(0, ok.b.size() - 10), {{"0", torch::ones({4})}});
    MRTI_EXPECT_ERROR(mrti::load_weights_file(trunc), trunc, "malformed pickle");
    const auto nostorage = zip("nostorage.bin", ok.b);
    MRTI_EXPECT_ERROR(mrti::load_weights_file(nostorage), nostorage, "data/0", "missing");
    Pickle over;
    over.op('}').str("w").tensor("FloatStorage", "0", 4, 2, {2, 2}, {2, 1}).op('s').stop();
    const auto overrun = zip("overrun.bin", over.b, {{"0", torch::ones({4})}});
    MRTI_EXPECT_ERROR(mrti::load_weights_file(overrun), overrun, "past the end of its storage");
    Pickle small;
    small.op('}').str("w").tensor("FloatStorage", "0", 100, 0, {4}, {1}).op('s').stop();
    const auto short_record = zip("short.bin", small.b, {{"0", torch::ones({4})}});
    MRTI_EXPECT_ERROR(mrti::load_weights_file(short_record), short_record, "fewer than");
    Pickle bad_op;
    bad_op.op('}').op('I').stop();  // text-protocol INT is not something torch.save writes
    const auto badop = zip("badop.bin", bad_op.b);
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(badop), badop, "opcode 0x49");
    Pickle underflow;
    underflow.op('s').stop();
    const auto uf = zip("underflow.bin", underflow.b);
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(uf), uf, "underflow");
    // A dict that contains itself (legal pickle, never a weights file) is refused.
    Pickle cyc;
    cyc.op('}').put(0).str("self").get(0).op('s').stop();
    const auto cyclic = zip("cyclic.pt", cyc.b);
    MRTI_EXPECT_ERROR(mrti::load_torch_pickle(cyclic), cyclic, "self-referencing");
    // Shared (not cyclic) containers are fine: {'a': L, 'b': L} with one list L.
    Pickle shared;
    shared.op('}').mark().str("a").op(']').put(0).str("b").get(0).op('u').stop();
    const auto sv = mrti::load_torch_pickle(zip("shared.pt", shared.b));
    QCOMPARE(std::get<std::shared_ptr<mrti::PyList>>(sv.get("a")->v), std::get<std::shared_ptr<mrti::PyList>>(sv.get("b")->v));
    fs::remove_all(dir);
  }

  // Random corruption anywhere in a file gives a clean mrti::Error (or a valid load), never
  // a crash or another exception type.
  void corruptedInputsNeverCrash() {
    const auto dir = mrti_test::temp_dir("tio-fuzz");
    std::mt19937 rng(1234);
    int errors = 0, loads = 0;
    auto attempt = [&](const std::function<void()>& f) {
      try {
        f();
        ++loads;
      } catch (const mrti::Error&) {
        ++errors;
      } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("not an mrti::Error: ") + e.what()));
      }
    };
    auto mutate = [&](std::string bytes, size_t from, size_t to) {
      const int n = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) bytes[from + rng() % (to - from)] = static_cast<char>(rng() & 0xff);
      return bytes;
    };
    const auto storages = std::vector<std::pair<std::string, at::Tensor>>{
        {"0", torch::arange(12, torch::kFloat)}, {"1", torch::ones({3}, torch::kLong)}, {"2", torch::ones({2}, torch::kHalf)}};
    const std::string pkl = state_dict_pickle().b;
    const auto path = dir + "/f.bin";
    for (int i = 0; i < 400; ++i) {
      write_torch_zip(path, mutate(pkl, 2, pkl.size()), storages);
      attempt([&] { mrti::flatten_tensors(mrti::load_torch_pickle(path)); });
    }
    write_torch_zip(path, pkl, storages);
    const std::string zip = mrti::read_file(path);
    for (int i = 0; i < 400; ++i) {
      write_bytes(path, mutate(zip, 0, zip.size()));
      attempt([&] { mrti::load_weights_file(path); });
    }
    const auto st = dir + "/f.safetensors";
    mrti::save_safetensors(st, {{"a", torch::ones({2, 3})}, {"b", torch::zeros({4}, torch::kLong)}}, {{"k", "v"}});
    const std::string good = mrti::read_file(st);
    for (int i = 0; i < 400; ++i) {
      write_bytes(st, mutate(good, 0, good.size() - 56));  // the size field and the header
      attempt([&] { mrti::read_safetensors(st); });
    }
    qInfo("%d corrupted files: %d rejected with mrti::Error, %d still loaded", errors + loads, errors, loads);
    QVERIFY(errors > 600);
    fs::remove_all(dir);
  }

  // ---- state dicts into modules ---------------------------------------------------------

  void loadStateDictIntoModule() {
    struct Net : torch::nn::Module {
      Net() {
        fc = register_module("fc", torch::nn::Linear(4, 3));
        conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 5, 3)));
        steps = register_buffer("steps", torch::zeros({1}, torch::kLong));
      }
      torch::nn::Linear fc{nullptr};
      torch::nn::Conv2d conv{nullptr};
      torch::Tensor steps;
    };
    torch::manual_seed(11);
    Net net;
    mrti::TensorMap good;
    good["fc.weight"] = torch::randn({3, 4}).to(torch::kHalf);
    good["fc.bias"] = torch::randn({3}).to(torch::kHalf);
    good["conv.weight"] = torch::randn({5, 2, 3, 3}).to(torch::kHalf);
    good["conv.bias"] = torch::randn({5}).to(torch::kHalf);
    good["steps"] = torch::tensor({42}, torch::kInt);
    // Through a file, as it would arrive.
    const auto dir = mrti_test::temp_dir("tio-sd");
    const auto path = dir + "/net.safetensors";
    mrti::save_safetensors(path, good);
    const auto report = mrti::load_state_dict(net, mrti::load_weights_file(path), path);
    QVERIFY(report.missing.empty() && report.unexpected.empty());
    QCOMPARE(net.fc->weight.scalar_type(), torch::kFloat);
    QVERIFY(torch::equal(net.fc->weight, good["fc.weight"].to(torch::kFloat)));
    QVERIFY(torch::equal(net.conv->bias, good["conv.bias"].to(torch::kFloat)));
    QCOMPARE(net.steps.scalar_type(), torch::kLong);
    QCOMPARE(net.steps.item<int64_t>(), int64_t{42});
    QVERIFY(net.fc->weight.requires_grad());

    // Missing, unexpected and mis-shaped keys all reported in one message; the module is untouched.
    mrti::TensorMap bad = good;
    bad.erase("conv.bias");
    bad["extra.weight"] = torch::zeros({2});
    bad["fc.weight"] = torch::zeros({4, 4});
    const auto before = net.fc->weight.clone();
    MRTI_EXPECT_ERROR(mrti::load_state_dict(net, bad, "bad.safetensors"), "bad.safetensors", "conv.bias",
                 "extra.weight", "fc.weight (file [4, 4], model [3, 4])", "1 shape mismatch", "1 key missing",
                 "1 unexpected key");
    QVERIFY(torch::equal(net.fc->weight, before));

    // Options: allow missing/unexpected, ignore keys (exact or prefix*).
    mrti::TensorMap partial = good;
    partial.erase("conv.bias");
    partial["extra.weight"] = torch::zeros({2});
    partial["text.position_ids"] = torch::zeros({1});
    mrti::LoadOptions opt;
    opt.allow_missing = true;
    opt.allow_unexpected = true;
    opt.ignore = {"text.*"};
    const auto r = mrti::load_state_dict(net, partial, "partial", opt);
    QCOMPARE(r.missing, std::vector<std::string>{"conv.bias"});
    QCOMPARE(r.unexpected, std::vector<std::string>{"extra.weight"});
    mrti::LoadOptions ign;
    ign.ignore = {"conv.bias", "extra.weight", "text.position_ids"};
    QVERIFY(mrti::load_state_dict(net, partial, "partial", ign).missing.empty());
    MRTI_EXPECT_ERROR(mrti::load_state_dict(net, partial, "partial", mrti::LoadOptions{true, false, {}}), "extra.weight");

    // Shape mismatches stay errors even when missing/unexpected keys are allowed.
    MRTI_EXPECT_ERROR(mrti::load_state_dict(net, bad, "bad", opt), "fc.weight", "shape mismatch");

    // Long lists are capped.
    mrti::TensorMap many;
    for (int i = 0; i < 45; ++i) many["junk." + std::to_string(100 + i)] = torch::zeros({1});
    MRTI_EXPECT_ERROR(mrti::load_state_dict(net, many, "many.bin"), "45 unexpected keys", "junk.100", "junk.119",
                 "and 25 more", "5 keys missing");
    const std::string msg = error_of([&] { mrti::load_state_dict(net, many, "many.bin"); });
    QVERIFY(!contains(msg, "junk.120"));
    fs::remove_all(dir);
  }

  void loadFixtureWeightsIntoModuleByName() {
    MRTI_REQUIRE_FIXTURES();
    // A module mirroring two keys of the text encoder, loaded from the .bin with the rest ignored.
    struct Emb : torch::nn::Module {
      Emb() {
        auto text = register_module("text_model", std::make_shared<torch::nn::Module>());
        auto e = text->register_module("embeddings", std::make_shared<torch::nn::Module>());
        tok = e->register_module("token_embedding", torch::nn::Embedding(49408, 32));
        ids = e->register_buffer("position_ids", torch::zeros({1, 77}, torch::kLong));
      }
      torch::nn::Embedding tok{nullptr};
      torch::Tensor ids;
    };
    Emb m;
    const auto path = mrti_test::fixture("tiny-sd15/text_encoder/pytorch_model.bin");
    const auto w = mrti::load_weights_file(path);
    MRTI_EXPECT_ERROR(mrti::load_state_dict(m, w, path), path, "unexpected keys", "and ");
    mrti::LoadOptions o;
    o.allow_unexpected = true;
    const auto rep = mrti::load_state_dict(m, w, path, o);
    QCOMPARE(rep.unexpected.size(), w.size() - 2);
    QVERIFY(torch::equal(m.tok->weight, w.at("text_model.embeddings.token_embedding.weight")));
    QVERIFY(torch::equal(m.ids, torch::arange(77, torch::kLong).unsqueeze(0)));
  }
};

QTEST_APPLESS_MAIN(TestTensorIo)
#include "test_tensor_io.moc"
