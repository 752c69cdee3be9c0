// Concept files, the concept library, importers and exporters.
#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <functional>

#include "multires/concept.h"
#include "multires/concept_library.h"
#include "multires/exporters.h"
#include "multires/importers.h"
#include "runtime/error.h"
#include "tensor_io/pickle_writer.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/torch_pickle.h"

namespace fs = std::filesystem;
using namespace mrti;

namespace {

using mrti_test::contains;
using mrti_test::error_of;

using Pickle = mrti::PickleWriter;

Concept sample_concept(const std::string& name, int64_t n = 4, int64_t v = 2, int64_t d = 8) {
  Concept c = make_concept(name, torch::randn({n, v, d}), "painting", "tiny-sd15", 500);
  c.extra["note"] = "made by a test";
  return c;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

class TestMultiresConcept : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::manual_seed(11); }

  void names() {
    for (const char* ok : {"cat", "Cat_2", "my-dog", "a", "0", "x-_-y"}) QVERIFY2(is_valid_concept_name(ok), ok);
    QVERIFY(is_valid_concept_name(std::string(64, 'a')));
    QVERIFY(!is_valid_concept_name(std::string(65, 'a')));
    for (const char* bad : {"", "my cat", "<cat>", "a|b", "c[1]", "d(2)", "caf\xC3\xA9", "a/b", "a.b"})
      QVERIFY2(!is_valid_concept_name(bad), bad);
    QVERIFY(contains(concept_name_problem("my cat"), "a space"));
    QCOMPARE(sanitize_concept_name("cat toy!"), std::string("cat_toy_"));
    QCOMPARE(sanitize_concept_name("***"), std::string("concept"));
  }

  void saveLoadRoundTrip() {
    const auto dir = mrti_test::temp_dir("mr-concept");
    Concept c = sample_concept("cat");
    c.thumbnail = torch::randint(0, 255, {6, 5, 3}, torch::kByte);
    const auto path = dir + "/cat.safetensors";
    save_concept(path, c);
    const Concept back = load_concept(path);
    QCOMPARE(back.name, std::string("cat"));
    QVERIFY(torch::equal(back.embeddings, c.embeddings));
    QVERIFY(torch::equal(back.thumbnail, c.thumbnail));
    QCOMPARE(back.init_token, std::string("painting"));
    QCOMPARE(back.base_model, std::string("tiny-sd15"));
    QCOMPARE(back.train_steps, int64_t{500});
    QCOMPARE(back.created, c.created);
    QCOMPARE(back.extra.at("note"), std::string("made by a test"));
    QCOMPARE(back.num_scales(), int64_t{4});
    QCOMPARE(back.vectors_per_token(), int64_t{2});
    QCOMPARE(back.token_dim(), int64_t{8});
    // The file is the documented layout.
    const auto meta = read_safetensors_metadata(path);
    QCOMPARE(meta.at("format"), std::string("mrti-concept/1"));
    QCOMPARE(meta.at("num_scales"), std::string("4"));
    QCOMPARE(meta.at("vectors_per_token"), std::string("2"));
    QCOMPARE(meta.at("token_dim"), std::string("8"));
    QCOMPARE(meta.at("train_steps"), std::string("500"));
    QVERIFY(contains(meta.at("created"), "T"));
    const auto raw = read_safetensors(path).tensors;
    QCOMPARE(raw.at("embeddings").sizes(), (at::IntArrayRef{4, 2, 8}));
    QCOMPARE(raw.at("thumbnail").scalar_type(), at::kByte);
    QCOMPARE(files_in(dir), std::vector<std::string>{"cat.safetensors"});
    // [N, d] tables get V = 1.
    QCOMPARE(make_concept("x", torch::zeros({3, 5})).embeddings.sizes(), (at::IntArrayRef{3, 1, 5}));
    fs::remove_all(dir);
  }

  void badConceptFiles() {
    const auto dir = mrti_test::temp_dir("mr-bad");
    const Concept good = sample_concept("cat");
    Metadata meta = concept_metadata(good);
    auto write = [&](const std::string& name, const TensorMap& t, const Metadata& m) {
      const auto p = dir + "/" + name + ".safetensors";
      save_safetensors(p, t, m);
      return p;
    };
    auto m = meta;
    m["format"] = "something-else/2";
    auto p = write("fmt", {{"embeddings", good.embeddings}}, m);
    MRTI_EXPECT_ERROR(load_concept(p), p, "not an MRTI concept file", "something-else/2");
    m.erase("format");
    p = write("nofmt", {{"embeddings", good.embeddings}}, m);
    MRTI_EXPECT_ERROR(load_concept(p), p, "has no 'format'");
    m = meta;
    m["num_scales"] = "7";
    p = write("shape", {{"embeddings", good.embeddings}}, m);
    MRTI_EXPECT_ERROR(load_concept(p), p, "num_scales = 7", "[4, 2, 8]");
    m = meta;
    m["token_dim"] = "eight";
    p = write("dimtext", {{"embeddings", good.embeddings}}, m);
    MRTI_EXPECT_ERROR(load_concept(p), p, "token_dim", "'eight'");
    auto bad = good.embeddings.clone();
    bad[2][1][3] = std::numeric_limits<float>::quiet_NaN();
    p = write("nan", {{"embeddings", bad}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "non-finite", "scale 2");
    bad[2][1][3] = std::numeric_limits<float>::infinity();
    p = write("inf", {{"embeddings", bad}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "non-finite");
    p = write("f64", {{"embeddings", good.embeddings.to(torch::kDouble)}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "float32");
    p = write("none", {{"other", good.embeddings}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "no tensor 'embeddings'");
    p = write("2d", {{"embeddings", good.embeddings[0]}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "[num_scales, vectors_per_token, token_dim]");
    p = write("thumb", {{"embeddings", good.embeddings}, {"thumbnail", torch::zeros({4, 4, 4}, torch::kByte)}}, meta);
    MRTI_EXPECT_ERROR(load_concept(p), p, "thumbnail must be uint8 [height, width, 3]");
    m = meta;
    m["name"] = "bad name";
    p = write("badname", {{"embeddings", good.embeddings}}, m);
    MRTI_EXPECT_ERROR(load_concept(p), p, "a space");
    const auto junk = dir + "/junk.safetensors";
    std::ofstream(junk) << "this is not a safetensors file at all";
    MRTI_EXPECT_ERROR(load_concept(junk), junk);
    MRTI_EXPECT_ERROR(load_concept(dir + "/missing.safetensors"), "missing.safetensors");
    // Nothing invalid is ever written.
    Concept nan = good;
    nan.embeddings = bad;
    MRTI_EXPECT_ERROR(save_concept(dir + "/never.safetensors", nan), "non-finite");
    QVERIFY(!fs::exists(dir + "/never.safetensors"));
    fs::remove_all(dir);
  }

  void modelWidthCheck() {
    Concept c = sample_concept("cat", 10, 1, 768);
    c.base_model = "runwayml/stable-diffusion-v1-5";
    check_concept_fits_model(c, 768);
    MRTI_EXPECT_ERROR(check_concept_fits_model(c, 1024, "sd21"),
                 "concept 'cat' was made for a model with 768-wide token embeddings (base model "
                 "runwayml/stable-diffusion-v1-5)",
                 "uses 1024");
  }

  void library() {
    const auto dir = mrti_test::temp_dir("mr-lib") + "/lib";
    MRTI_EXPECT_ERROR(ConceptLibrary(dir, false), "does not exist");
    ConceptLibrary lib(dir);
    QVERIFY(lib.list().empty());
    Concept cat = sample_concept("cat", 10, 1, 8);
    cat.thumbnail = torch::zeros({4, 4, 3}, torch::kByte);
    QCOMPARE(lib.save(cat), dir + "/cat.safetensors");
    lib.save(sample_concept("dog", 3, 2, 8));
    MRTI_EXPECT_ERROR(lib.save(sample_concept("dog")), "already has a concept named 'dog'");
    lib.save(sample_concept("dog", 5, 1, 8), true);  // explicit overwrite
    MRTI_EXPECT_ERROR(lib.save(sample_concept("Dog")), "differs from 'Dog' only in letter case");
    Concept bad = sample_concept("x");
    bad.name = "has space";
    MRTI_EXPECT_ERROR(lib.save(bad), "a space");
    // A broken file is listed with its error, not skipped.
    std::ofstream(dir + "/broken.safetensors") << "garbage";
    const auto entries = lib.list();
    QCOMPARE(entries.size(), size_t{3});
    QCOMPARE(entries[0].name, std::string("broken"));
    QVERIFY(!entries[0].ok());
    QVERIFY(!entries[0].error.empty());
    QCOMPARE(entries[1].name, std::string("cat"));
    QVERIFY(entries[1].ok());
    QCOMPARE(entries[1].num_scales, int64_t{10});
    QCOMPARE(entries[1].vectors_per_token, int64_t{1});
    QCOMPARE(entries[1].token_dim, int64_t{8});
    QCOMPARE(entries[1].base_model, std::string("tiny-sd15"));
    QVERIFY(entries[1].has_thumbnail);
    QCOMPARE(entries[1].path, dir + "/cat.safetensors");
    QCOMPARE(entries[2].num_scales, int64_t{5});
    QVERIFY(!entries[2].has_thumbnail);
    QCOMPARE(lib.scales(), (ConceptScales{{"cat", 10}, {"dog", 5}}));
    // Load, unknown names.
    QVERIFY(torch::equal(lib.load("cat").embeddings, cat.embeddings));
    MRTI_EXPECT_ERROR(lib.load("bird"), "no concept named 'bird'", "cat, dog");
    MRTI_EXPECT_ERROR(lib.load("broken"), "broken.safetensors");
    // Rename: file and metadata name together.
    MRTI_EXPECT_ERROR(lib.rename("cat", "dog"), "a concept named 'dog' exists");
    MRTI_EXPECT_ERROR(lib.rename("cat", "my cat"), "a space");
    MRTI_EXPECT_ERROR(lib.rename("bird", "eagle"), "no concept named 'bird'");
    MRTI_EXPECT_ERROR(lib.rename("cat", "DOG"), "only in letter case");
    lib.rename("cat", "kitty");
    QVERIFY(!lib.contains("cat"));
    QCOMPARE(load_concept(dir + "/kitty.safetensors").name, std::string("kitty"));
    QVERIFY(torch::equal(lib.load("kitty").embeddings, cat.embeddings));
    lib.rename("kitty", "Kitty");  // a case-only change is allowed for the concept itself
    QVERIFY(lib.contains("Kitty"));
    QCOMPARE(lib.load("Kitty").name, std::string("Kitty"));
    // A file renamed by hand: the file name wins, the listing says so.
    fs::copy_file(dir + "/Kitty.safetensors", dir + "/tabby.safetensors");
    QCOMPARE(lib.load("tabby").name, std::string("tabby"));
    for (const auto& e : lib.list())
      if (e.name == "tabby") QVERIFY(contains(e.warning, "metadata names it 'Kitty'"));
    // Metadata naming it with a space (written by another program): it lists with a warning,
    // loads under its file name, and renaming it rewrites the metadata.
    {
      auto file = read_safetensors(dir + "/tabby.safetensors");
      Metadata meta = file.metadata;
      meta["name"] = "my tabby";
      save_safetensors(dir + "/tabby.safetensors", file.tensors, meta);
    }
    MRTI_EXPECT_ERROR(load_concept(dir + "/tabby.safetensors"), "a space");
    for (const auto& e : lib.list())
      if (e.name == "tabby") QVERIFY2(e.ok() && contains(e.warning, "'my tabby'"), e.error.c_str());
    lib.rename("tabby", "tabby2");
    QCOMPARE(load_concept(dir + "/tabby2.safetensors").name, std::string("tabby2"));
    lib.rename("tabby2", "tabby");
    // Delete.
    lib.remove("tabby");
    QVERIFY(!lib.contains("tabby"));
    MRTI_EXPECT_ERROR(lib.remove("tabby"), "no concept named 'tabby'");
    QCOMPARE(files_in(dir), (std::vector<std::string>{"Kitty.safetensors", "broken.safetensors", "dog.safetensors"}));
    fs::remove_all(fs::path(dir).parent_path());
  }

  void importOriginalLayoutFixture() {
    MRTI_REQUIRE_FIXTURES();
    const auto imp = import_original_concept(mrti_test::fixture("multires/concepts/cat"));
    QCOMPARE(imp.concept.name, std::string("cat"));
    QCOMPARE(imp.source_format, std::string("original-multires"));
    QCOMPARE(imp.concept.embeddings.sizes(), (at::IntArrayRef{10, 1, 32}));
    const auto ref = read_safetensors(mrti_test::fixture("multires/cat_embeddings.safetensors")).tensors.at("embeddings");
    QVERIFY(torch::equal(imp.concept.embeddings.squeeze(1), ref));  // bit-exact, scale order 0..9
    QVERIFY(contains(imp.notes.front(), "rows 49408..49417"));
    // The text_encoder folder and the file itself work too; a name can be given.
    const auto a = import_original_concept(mrti_test::fixture("multires/concepts/cat/text_encoder"), "kitty");
    QCOMPARE(a.concept.name, std::string("kitty"));
    QVERIFY(torch::equal(a.concept.embeddings, imp.concept.embeddings));
    const auto b = import_original_concept(mrti_test::fixture("multires/concepts/cat/text_encoder/pytorch_model.bin"));
    QCOMPARE(b.concept.name, std::string("cat"));
    QVERIFY(torch::equal(b.concept.embeddings, imp.concept.embeddings));
    // Fewer scales: the last rows. More than were added: refused.
    const auto three = import_original_concept(mrti_test::fixture("multires/concepts/cat"), "", 3);
    QVERIFY(torch::equal(three.concept.embeddings.squeeze(1), ref.slice(0, 7, 10)));
    QVERIFY(contains(three.notes.back(), "only the last 3"));
    MRTI_EXPECT_ERROR(import_original_concept(mrti_test::fixture("multires/concepts/cat"), "", 11), "49418 rows",
                 "only 10 beyond", "11 learned scales");
    // The scale table file imports as the same concept.
    const auto table = import_embedding_file(mrti_test::fixture("multires/cat_embeddings.safetensors"));
    QCOMPARE(table.concept.name, std::string("cat"));
    QCOMPARE(table.source_format, std::string("scale-table"));
    QVERIFY(torch::equal(table.concept.embeddings, imp.concept.embeddings));
  }

  void importOriginalLayoutMadeHere() {
    const auto dir = mrti_test::temp_dir("mr-orig");
    fs::create_directories(dir + "/toy/text_encoder");
    const auto table = torch::randn({49408 + 4, 8});
    save_safetensors(dir + "/toy/text_encoder/model.safetensors",
                     {{"text_model.embeddings.token_embedding.weight", table},
                      {"text_model.final_layer_norm.weight", torch::ones({8})}});
    const auto imp = import_original_concept(dir + "/toy", "", 4);
    QCOMPARE(imp.concept.name, std::string("toy"));
    QVERIFY(torch::equal(imp.concept.embeddings.squeeze(1), table.slice(0, 49408)));
    MRTI_EXPECT_ERROR(import_original_concept(dir + "/toy", "", 10), "only 4 beyond");
    // A plain CLIP text encoder has no learned rows.
    fs::create_directories(dir + "/plain/text_encoder");
    save_safetensors(dir + "/plain/text_encoder/model.safetensors",
                     {{"text_model.embeddings.token_embedding.weight", torch::zeros({49408, 8})}});
    MRTI_EXPECT_ERROR(import_original_concept(dir + "/plain"), "none beyond CLIP's 49408-token vocabulary");
    fs::create_directories(dir + "/empty");
    MRTI_EXPECT_ERROR(import_original_concept(dir + "/empty"), "text_encoder/pytorch_model.bin");
    fs::create_directories(dir + "/nokey/text_encoder");
    save_safetensors(dir + "/nokey/text_encoder/model.safetensors", {{"x", torch::zeros({2})}});
    MRTI_EXPECT_ERROR(import_original_concept(dir + "/nokey"), "text_model.embeddings.token_embedding.weight");
    MRTI_EXPECT_ERROR(import_original_concept(dir + "/nothing-here"), "does not exist");
    fs::remove_all(dir);
  }

  void importDiffusers() {
    const auto dir = mrti_test::temp_dir("mr-diffusers");
    // learned_embeds.bin: {"<cat-toy>": tensor [d]} (a torch.save of a one-entry dict).
    const auto vec = torch::randn({8});
    Pickle p;
    p.op('}').str("<cat-toy>").tensor("0", vec).op('s').op('.');
    write_torch_zip(dir + "/learned_embeds.bin", p.b, {{"0", vec}});
    auto imp = import_embedding_file(dir + "/learned_embeds.bin");
    QCOMPARE(imp.concept.name, std::string("cat-toy"));
    QCOMPARE(imp.source_format, std::string("diffusers"));
    QCOMPARE(imp.concept.embeddings.sizes(), (at::IntArrayRef{1, 1, 8}));
    QVERIFY(torch::equal(imp.concept.embeddings.flatten(), vec));
    QVERIFY(contains(imp.notes.front(), "N = 1"));
    QVERIFY(contains(imp.notes.front(), "nothing to vary"));
    // .safetensors with several vectors per token: V rows, still N = 1.
    const auto vecs = torch::randn({3, 8});
    save_safetensors(dir + "/learned_embeds.safetensors", {{"<thing>", vecs}});
    imp = import_embedding_file(dir + "/learned_embeds.safetensors", "mything");
    QCOMPARE(imp.concept.name, std::string("mything"));
    QCOMPARE(imp.concept.embeddings.sizes(), (at::IntArrayRef{1, 3, 8}));
    QVERIFY(torch::equal(imp.concept.embeddings[0], vecs));
    QVERIFY(contains(imp.notes.front(), "3 vectors"));
    // Not an embedding.
    save_safetensors(dir + "/two.safetensors", {{"a", vecs}, {"b", vecs}});
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/two.safetensors"), "2 tensors", "a, b");
    save_safetensors(dir + "/sdxl.safetensors", {{"clip_l", vecs}, {"clip_g", torch::zeros({3, 12})}});
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/sdxl.safetensors"), "SDXL");
    save_safetensors(dir + "/nan.safetensors", {{"<n>", torch::full({2, 8}, std::nan(""))}});
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/nan.safetensors"), "non-finite");
    save_safetensors(dir + "/ints.safetensors", {{"<n>", torch::zeros({2, 8}, torch::kLong)}});
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/ints.safetensors"), "not a floating-point tensor");
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/learned_embeds.bin", "bad name"), "a space");
    fs::remove_all(dir);
  }

  void importAutomatic1111() {
    const auto dir = mrti_test::temp_dir("mr-a1111");
    const auto vecs = torch::randn({2, 8});
    // {'string_to_token': {'*': 265}, 'string_to_param': {'*': Parameter}, 'name': 'owl', 'step': 1200,
    //  'sd_checkpoint_name': 'v1-5'}
    Pickle p;
    p.op('}').mark();
    p.str("string_to_token").op('}').str("*").integer(265).op('s');
    p.str("string_to_param").op('}').str("*").parameter("0", vecs).op('s');
    p.str("name").str("owl").str("step").integer(1200).str("sd_checkpoint_name").str("v1-5");
    p.op('u').op('.');
    write_torch_zip(dir + "/my-owl.pt", p.b, {{"0", vecs}});
    auto imp = import_embedding_file(dir + "/my-owl.pt");
    QCOMPARE(imp.concept.name, std::string("my-owl"));
    QCOMPARE(imp.source_format, std::string("a1111-pt"));
    QCOMPARE(imp.concept.embeddings.sizes(), (at::IntArrayRef{1, 2, 8}));
    QVERIFY(torch::equal(imp.concept.embeddings[0], vecs));
    QCOMPARE(imp.concept.train_steps, int64_t{1200});
    QCOMPARE(imp.concept.base_model, std::string("v1-5"));
    QVERIFY(contains(imp.notes.front(), "N = 1"));
    // .safetensors: emb_params.
    save_safetensors(dir + "/owl2.safetensors", {{"emb_params", vecs}}, {{"step", "300"}});
    imp = import_embedding_file(dir + "/owl2.safetensors");
    QCOMPARE(imp.concept.name, std::string("owl2"));
    QCOMPARE(imp.source_format, std::string("a1111-safetensors"));
    QCOMPARE(imp.concept.train_steps, int64_t{300});
    QVERIFY(torch::equal(imp.concept.embeddings[0], vecs));
    // Two terms in string_to_param.
    Pickle two;
    two.op('}').str("string_to_param").op('}').mark();
    two.str("*").tensor("0", vecs).str("+").tensor("0", vecs).op('u').op('s').op('.');
    write_torch_zip(dir + "/two.pt", two.b, {{"0", vecs}});
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/two.pt"), "2 terms");
    // 32 stored floats viewed with stride 0 as 4 million vectors: refused before the 512 MB
    // it would take once copied.
    Pickle bomb;
    bomb.op('}').str("string_to_param").op('}').str("*").tensor("FloatStorage", "0", 32, 0, {4000000, 32}, {0, 1}).op('s').op('s').op('.');
    write_torch_zip(dir + "/bomb.pt", bomb.b, {{"0", torch::randn({32})}});
    QVERIFY(fs::file_size(dir + "/bomb.pt") < 4096);
    MRTI_EXPECT_ERROR(import_embedding_file(dir + "/bomb.pt"), "larger than any concept", "75 vectors");
    fs::remove_all(dir);
  }

  void exportRoundTrip() {
    const auto dir = mrti_test::temp_dir("mr-export");
    Concept c = sample_concept("cat", 10, 2, 8);
    for (const char* ext : {".safetensors", ".pt", ".bin"}) {
      const auto path = dir + "/cat-k3" + ext;
      export_embedding(c, 3, path);
      const auto imp = import_embedding_file(path, "back");
      QCOMPARE(imp.concept.num_scales(), int64_t{1});
      QVERIFY2(torch::equal(imp.concept.embeddings[0], c.embeddings[3]), ext);
    }
    // What other tools read: A1111's safetensors is one tensor 'emb_params' [V, d].
    const auto st = read_safetensors(dir + "/cat-k3.safetensors");
    QCOMPARE(st.tensors.size(), size_t{1});
    QCOMPARE(st.tensors.at("emb_params").sizes(), (at::IntArrayRef{2, 8}));
    QCOMPARE(st.metadata.at("step"), std::string("500"));
    QCOMPARE(st.metadata.at("mrti_resolution"), std::string("3"));
    // The .pt is A1111's dict.
    const PyValue pt = load_torch_pickle(dir + "/cat-k3.pt");
    QCOMPARE(std::get<int64_t>(pt.get("string_to_token")->get("*")->v), int64_t{265});
    QVERIFY(torch::equal(pt.get("string_to_param")->get("*")->tensor(), c.embeddings[3]));
    QCOMPARE(pt.get("name")->str(), std::string("cat-r3"));
    QCOMPARE(std::get<int64_t>(pt.get("step")->v), int64_t{500});
    QVERIFY(pt.get("sd_checkpoint")->is_none());
    QCOMPARE(pt.get("sd_checkpoint_name")->str(), std::string("tiny-sd15"));
    // The .bin is diffusers' {token: tensor}.
    const PyValue bin = load_torch_pickle(dir + "/cat-k3.bin");
    QCOMPARE(bin.dict().size(), size_t{1});
    QCOMPARE(bin.dict().front().first.str(), std::string("<cat-r3>"));
    MRTI_EXPECT_ERROR(export_embedding(c, 10, dir + "/x.safetensors"), "out of range", "0..9");
    MRTI_EXPECT_ERROR(export_embedding(c, 0, dir + "/x.txt"), ".safetensors", ".pt");
    // Concept -> library -> export -> import -> library.
    ConceptLibrary lib(dir + "/lib");
    lib.save(c);
    export_embedding(lib.load("cat"), 9, dir + "/k9.pt");
    auto imp = import_embedding_file(dir + "/k9.pt", "cat9");
    lib.save(imp.concept);
    QVERIFY(torch::equal(lib.load("cat9").embeddings[0], c.embeddings[9]));
    fs::remove_all(dir);
  }
};

QTEST_APPLESS_MAIN(TestMultiresConcept)
#include "test_multires_concept.moc"
