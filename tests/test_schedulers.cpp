#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "schedulers/ddim_scheduler.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"

using nlohmann::json;

namespace {

using mrti_test::contains;
using mrti_test::error_of;

// The fixture entries of schedulers/schedulers.json.
const char* const kFixtureKeys[] = {"DDPM",
                                    "DDIM",
                                    "PNDM",
                                    "LMSDiscrete",
                                    "EulerDiscrete",
                                    "EulerAncestralDiscrete",
                                    "DPMSolverMultistep",
                                    "DPMSolverMultistep_karras",
                                    "DDIM_vpred",
                                    "EulerDiscrete_vpred"};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// schedulers.json was written by Python, whose bare -Infinity is not JSON: quote it.
const json& fixture_json() {
  static const json root = [] {
    std::string text = read_text(mrti_test::fixture("schedulers/schedulers.json"));
    const std::string lit = "-Infinity";
    for (size_t pos = text.find(lit); pos != std::string::npos; pos = text.find(lit, pos + lit.size() + 2))
      text.replace(pos, lit.size(), "\"" + lit + "\"");
    return json::parse(text);
  }();
  return root;
}

json sd15_config() { return json::parse(read_text(mrti_test::fixture("tiny-sd15/scheduler/scheduler_config.json"))); }

// The configuration the fixture entry was built from: SD1.5 config plus its overrides.
mrti::SchedulerConfig fixture_config(const std::string& key) {
  const json& entry = fixture_json()["schedulers"][key];
  json cfg = fixture_json()["base_config"];
  for (const auto& [k, v] : entry["config_overrides"].items()) cfg[k] = v;
  return mrti::SchedulerConfig::from_json(entry["class"].get<std::string>(), cfg, "schedulers.json");
}

mrti::TensorMap load(const std::string& rel) { return mrti::read_safetensors(mrti_test::fixture(rel)).tensors; }

// Checks a set_timesteps table of the fixture: timesteps, their dtype, sigmas, init_noise_sigma.
void check_table(mrti::Scheduler& s, const json& table, const QString& what) {
  const json& expected = table["timesteps"];
  const at::Tensor ts = s.timesteps();
  QCOMPARE(ts.numel(), static_cast<int64_t>(expected.size()));
  double max_err = 0;
  if (table["timesteps_dtype"] == "int64") {
    QCOMPARE(ts.scalar_type(), at::kLong);
    for (size_t i = 0; i < expected.size(); ++i)
      QVERIFY2(ts[i].item<int64_t>() == expected[i].get<int64_t>(),
               qPrintable(QString("%1: timestep %2 is %3, expected %4")
                              .arg(what)
                              .arg(i)
                              .arg(ts[i].item<int64_t>())
                              .arg(expected[i].get<int64_t>())));
  } else {
    QCOMPARE(ts.scalar_type(), at::kFloat);
    for (size_t i = 0; i < expected.size(); ++i)
      max_err = std::max(max_err, std::fabs(ts[i].item<double>() - expected[i].get<double>()));
    QVERIFY2(max_err < 1e-5, qPrintable(QString("%1: timesteps differ by %2").arg(what).arg(max_err)));
  }
  double sigma_err = 0;
  if (table.contains("sigmas")) {
    const json& sig = table["sigmas"];
    QVERIFY(s.sigmas().defined());
    QCOMPARE(s.sigmas().numel(), static_cast<int64_t>(sig.size()));
    for (size_t i = 0; i < sig.size(); ++i)
      sigma_err = std::max(sigma_err, std::fabs(s.sigmas()[i].item<double>() - sig[i].get<double>()));
    QVERIFY2(sigma_err < 1e-5, qPrintable(QString("%1: sigmas differ by %2").arg(what).arg(sigma_err)));
  }
  const double init_err = std::fabs(s.init_noise_sigma() - table["init_noise_sigma"].get<double>());
  QVERIFY2(init_err < 1e-5, qPrintable(QString("%1: init_noise_sigma differs by %2").arg(what).arg(init_err)));
  qInfo("%s: %zu timesteps, max abs error timesteps %.3g, sigmas %.3g, init_noise_sigma %.3g", qPrintable(what),
        expected.size(), max_err, sigma_err, init_err);
}

// Every value of our effective config under a diffusers key must equal the reference's.
void check_effective_config(const mrti::SchedulerConfig& ours, const json& expected, const QString& what) {
  const json mine = ours.to_json();
  int compared = 0;
  for (const auto& [k, v] : mine.items()) {
    if (k == "_class_name") continue;
    QVERIFY2(expected.contains(k), qPrintable(what + ": reference effective_config lacks " + QString::fromStdString(k)));
    const json& e = expected[k];
    bool same = false;
    if (v.is_number() && e.is_number())
      same = std::fabs(v.get<double>() - e.get<double>()) <= 1e-12 * std::max(1.0, std::fabs(e.get<double>()));
    else
      same = v == e;
    QVERIFY2(same, qPrintable(QString("%1: %2 is %3, diffusers uses %4")
                                  .arg(what, QString::fromStdString(k), QString::fromStdString(v.dump()),
                                       QString::fromStdString(e.dump()))));
    ++compared;
  }
  QVERIFY(compared >= 8);
}

}  // namespace

class TestSchedulers : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void common_tables() {
    MRTI_REQUIRE_FIXTURES();
    const auto ref = load("schedulers/common.safetensors");
    for (const std::string name : {"ddpm", "ddim", "pndm", "lms", "euler", "euler_a", "dpmpp_2m"}) {
      auto s = mrti::make_scheduler(name, sd15_config());
      const double eb = mrti_test::rel_l2(s->betas(), ref.at("betas"));
      const double ea = mrti_test::rel_l2(s->alphas_cumprod(), ref.at("alphas_cumprod"));
      const double max_abs = (s->alphas_cumprod() - ref.at("alphas_cumprod")).abs().max().item<double>();
      qInfo("%s: betas rel L2 %.3g, alphas_cumprod rel L2 %.3g (max abs %.3g)", name.c_str(), eb, ea, max_abs);
      QVERIFY(eb < 1e-7);
      QVERIFY(ea < 1e-7);
    }
  }

  void add_noise_and_velocity() {
    MRTI_REQUIRE_FIXTURES();
    const auto ref = load("schedulers/common.safetensors");
    auto s = mrti::make_scheduler("ddpm", sd15_config());
    const at::Tensor x0 = ref.at("add_noise_original"), noise = ref.at("add_noise_noise");
    const at::Tensor t = ref.at("add_noise_timesteps");
    const at::Tensor noisy = s->add_noise(x0, noise, t);
    const at::Tensor velocity = s->get_velocity(x0, noise, t);
    qInfo("add_noise rel L2 %.3g, get_velocity rel L2 %.3g", mrti_test::rel_l2(noisy, ref.at("add_noise_out")),
          mrti_test::rel_l2(velocity, ref.at("get_velocity_out")));
    MRTI_COMPARE_REL(noisy, ref.at("add_noise_out"), 1e-6);
    MRTI_COMPARE_REL(velocity, ref.at("get_velocity_out"), 1e-6);
    // A 0-dim timestep, as the training step passes it, broadcasts over the batch.
    const at::Tensor one = s->add_noise(x0.slice(0, 5, 6), noise.slice(0, 5, 6), t[5]);
    MRTI_COMPARE_REL(one, ref.at("add_noise_out").slice(0, 5, 6), 1e-6);
  }

  void timestep_tables_data() {
    QTest::addColumn<QString>("key");
    for (const char* key : kFixtureKeys) QTest::newRow(key) << QString(key);
  }
  void timestep_tables() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, key);
    const json& entry = fixture_json()["schedulers"][key.toStdString()];
    auto s = mrti::make_scheduler(fixture_config(key.toStdString()));
    QCOMPARE(QString::fromStdString(s->name()), QString::fromStdString(entry["class"].get<std::string>()));
    for (int n : {20, 50}) {
      s->set_timesteps(n);
      check_table(*s, entry["set_timesteps_" + std::to_string(n)], key + QString("/%1").arg(n));
    }
  }

  void effective_config_data() { timestep_tables_data(); }
  void effective_config() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, key);
    check_effective_config(fixture_config(key.toStdString()),
                           fixture_json()["schedulers"][key.toStdString()]["effective_config"], key);
  }

  void rollout_data() { timestep_tables_data(); }
  void rollout() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, key);
    const json& entry = fixture_json()["schedulers"][key.toStdString()];
    const auto ref = load("schedulers/" + entry["rollout_file"].get<std::string>());
    const bool stochastic = entry["stochastic"].get<bool>();
    const double tol = key == "LMSDiscrete" ? 1e-4 : 1e-5;
    auto s = mrti::make_scheduler(fixture_config(key.toStdString()));
    QCOMPARE(s->is_stochastic(), stochastic);

    // Twice: set_timesteps must reset the multistep history.
    for (int pass = 0; pass < 2; ++pass) {
      s->set_timesteps(20);
      const int64_t steps = ref.at("x_in").size(0);
      QCOMPARE(s->num_steps(), steps);
      MRTI_COMPARE_REL(s->timesteps().to(at::kFloat), ref.at("timesteps"), 1e-7);
      MRTI_COMPARE_REL(ref.at("initial_noise") * s->init_noise_sigma(), ref.at("sample_0"), 1e-6);

      at::Tensor sample = ref.at("sample_0");
      double max_x = 0, max_prev = 0, max_fake = 0;
      int draws = 0;
      for (int i = 0; i < steps; ++i) {
        const at::Tensor x_in = s->scale_model_input(sample, i);
        max_x = std::max(max_x, mrti_test::rel_l2(x_in, ref.at("x_in")[i]));
        const at::Tensor model_output = ref.at("model_output")[i];
        // The fake model, from the recorded input: confirms what the timestep value is.
        const double t = s->timestep(i);
        const at::Tensor fake = 0.3 * torch::tanh(ref.at("x_in")[i]) + 0.05 * std::sin(t / 100);
        max_fake = std::max(max_fake, mrti_test::rel_l2(fake, model_output));

        bool drew = false;
        mrti::NoiseFn noise = [&](const at::Tensor& like) {
          drew = true;
          if (!stochastic) return at::zeros_like(like);  // must not happen; caught below
          return ref.at("step_noise")[i].clone();
        };
        const at::Tensor prev = s->step(model_output, i, sample, noise);
        const bool expected_draw = stochastic && ref.at("step_noise_drawn")[i].item<int64_t>() == 1;
        QVERIFY2(drew == expected_draw, qPrintable(QString("%1 step %2: noise drawn %3, diffusers %4")
                                                       .arg(key)
                                                       .arg(i)
                                                       .arg(drew)
                                                       .arg(expected_draw)));
        draws += drew;
        const double e = mrti_test::rel_l2(prev, ref.at("prev_sample")[i]);
        QVERIFY2(e < tol, qPrintable(QString("%1 step %2: prev_sample relative L2 error %3").arg(key).arg(i).arg(e)));
        max_prev = std::max(max_prev, e);
        sample = prev;
      }
      QVERIFY2(max_x < tol, qPrintable(QString("%1: x_in relative L2 error %2").arg(key).arg(max_x)));
      QVERIFY2(max_fake < 1e-5, qPrintable(QString("%1: fake model mismatch %2").arg(key).arg(max_fake)));
      if (pass == 0)
        qInfo("%s: %lld steps, max rel L2 x_in %.3g, prev_sample %.3g (fake model %.3g), noise draws %d",
              qPrintable(key), static_cast<long long>(steps), max_x, max_prev, max_fake, draws);
    }
  }

  void make_scheduler_by_name_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("display");
    QTest::addColumn<QString>("cli");
    QTest::newRow("pndm") << "pndm" << "PNDM" << "PNDM" << "pndm";
    QTest::newRow("ddim") << "ddim" << "DDIM" << "DDIM" << "ddim";
    QTest::newRow("lms") << "lms" << "LMSDiscrete" << "LMS" << "lms";
    QTest::newRow("euler") << "euler" << "EulerDiscrete" << "Euler" << "euler";
    QTest::newRow("euler_a") << "euler_a" << "EulerAncestralDiscrete" << "Euler a" << "euler_a";
    QTest::newRow("dpmpp_2m") << "dpmpp_2m" << "DPMSolverMultistep" << "DPM++ 2M" << "dpmpp_2m";
    QTest::newRow("dpmpp_2m_karras") << "dpmpp_2m_karras" << "DPMSolverMultistep_karras" << "DPM++ 2M Karras"
                                     << "dpmpp_2m_karras";
    QTest::newRow("ddpm") << "ddpm" << "DDPM" << "DDPM" << "ddpm";
    QTest::newRow("default") << "default" << "PNDM" << "PNDM" << "pndm";
    QTest::newRow("empty") << "" << "PNDM" << "PNDM" << "pndm";
  }
  void make_scheduler_by_name() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, name);
    QFETCH(QString, fixture);
    QFETCH(QString, display);
    QFETCH(QString, cli);
    const json& entry = fixture_json()["schedulers"][fixture.toStdString()];
    auto s = mrti::make_scheduler(name.toStdString(), sd15_config(), "tiny-sd15/scheduler/scheduler_config.json");
    QCOMPARE(QString::fromStdString(s->name()), QString::fromStdString(entry["class"].get<std::string>()));
    QCOMPARE(QString::fromStdString(mrti::scheduler_display_name(*s)), display);
    QCOMPARE(QString::fromStdString(mrti::scheduler_cli_name(*s)), cli);
    // The same settings diffusers' from_config(SD1.5 config) ends up with.
    check_effective_config(s->config(), entry["effective_config"], name);
    s->set_timesteps(20);
    check_table(*s, entry["set_timesteps_20"], name + "/20");
    if (!name.isEmpty() && name != "default") {
      const auto names = mrti::scheduler_names();
      QVERIFY(std::count(names.begin(), names.end(), name.toStdString()) == 1);
    }
  }

  void unknown_name() {
    const json cfg = {{"_class_name", "PNDMScheduler"}, {"beta_schedule", "scaled_linear"}};
    const std::string msg = error_of([&] { mrti::make_scheduler("heun", cfg); });
    QVERIFY2(!msg.empty(), "an unknown sampler name must throw mrti::Error");
    for (const std::string& needle : {std::string("heun"), std::string("euler_a"), std::string("dpmpp_2m_karras"),
                                      std::string("pndm"), std::string("ddpm")})
      QVERIFY2(msg.find(needle) != std::string::npos, msg.c_str());
    QCOMPARE(static_cast<int>(mrti::scheduler_names().size()), 8);

    // "default" needs a class we have.
    const std::string unsupported = error_of([] {
      mrti::make_scheduler("default", json{{"_class_name", "UniPCMultistepScheduler"}});
    });
    QVERIFY2(unsupported.find("UniPCMultistepScheduler") != std::string::npos, unsupported.c_str());
    QVERIFY2(unsupported.find("euler_a") != std::string::npos, unsupported.c_str());
  }

  void bad_config_fields() {
    const std::string dir = mrti_test::temp_dir("schedulers");
    struct Case {
      const char* field_json;
      const char* sampler;
      const char* needle;
    };
    const Case cases[] = {
        {R"("beta_start": "0.00085")", "default", "beta_start"},
        {R"("steps_offset": 1.5)", "ddim", "steps_offset"},
        {R"("clip_sample": "no")", "ddim", "clip_sample"},
        {R"("num_train_timesteps": [1000])", "euler", "num_train_timesteps"},
        {R"("timestep_spacing": "cosine")", "euler_a", "timestep_spacing"},
        {R"("thresholding": true)", "ddim", "thresholding"},
        {R"("prediction_type": "sample")", "euler_a", "prediction_type"},
        {R"("trained_betas": [0.1, 0.2])", "lms", "trained_betas"},
        {R"("solver_order": 7)", "default", "solver_order"},
    };
    int n = 0;
    for (const Case& c : cases) {
      const std::string path = dir + "/scheduler_config_" + std::to_string(n++) + ".json";
      const std::string cls = std::string(c.sampler) == "default" && std::string(c.needle) == "solver_order"
                                  ? "DPMSolverMultistepScheduler"
                                  : "PNDMScheduler";
      json cfg = {{"_class_name", cls}, {"beta_schedule", "scaled_linear"}, {"beta_start", 0.00085}, {"beta_end", 0.012}};
      cfg.update(json::parse(std::string("{") + c.field_json + "}"));
      write_text(path, cfg.dump(1));
      const std::string msg = error_of([&] { mrti::make_scheduler(c.sampler, mrti::read_scheduler_config(path), path); });
      QVERIFY2(msg.find(c.needle) != std::string::npos,
               qPrintable(QString("%1 -> \"%2\"").arg(c.field_json).arg(QString::fromStdString(msg))));
      QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
      qInfo("%s", msg.c_str());
    }
    // Not JSON at all: the message names the file.
    const std::string broken = dir + "/broken.json";
    write_text(broken, "{\"_class_name\": \"PNDMScheduler\",");
    const std::string msg = error_of([&] { mrti::read_scheduler_config(broken); });
    QVERIFY2(msg.find(broken) != std::string::npos, msg.c_str());
    const std::string missing = error_of([&] { mrti::read_scheduler_config(dir + "/absent.json"); });
    QVERIFY2(missing.find("absent.json") != std::string::npos, missing.c_str());
    std::filesystem::remove_all(dir);
  }

  void python_non_finite_literals() {
    // diffusers saves DPMSolver configs with a bare -Infinity.
    const std::string dir = mrti_test::temp_dir("schedulers-inf");
    const std::string path = dir + "/scheduler_config.json";
    write_text(path,
               "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"beta_schedule\": \"scaled_linear\", "
               "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"lambda_min_clipped\": -Infinity, "
               "\"note\": \"-Infinity stays text\", \"steps_offset\": 1}");
    const json j = mrti::read_scheduler_config(path);
    QCOMPARE(QString::fromStdString(j["note"].get<std::string>()), QString("-Infinity stays text"));
    auto s = mrti::make_scheduler("default", j, path);
    QVERIFY(std::isinf(s->config().lambda_min_clipped) && s->config().lambda_min_clipped < 0);
    QCOMPARE(QString::fromStdString(mrti::scheduler_display_name(*s)), QString("DPM++ 2M"));
    std::filesystem::remove_all(dir);
  }

  void ddim_eta_draws_noise() {
    MRTI_REQUIRE_FIXTURES();
    const auto ref = load("schedulers/DDIM.safetensors");
    const auto common = load("schedulers/common.safetensors");
    auto s = mrti::make_scheduler("ddim", sd15_config());
    QVERIFY(!s->is_stochastic());
    s->set_eta(1.0);
    QVERIFY(s->is_stochastic());
    s->set_timesteps(20);
    QCOMPARE(s->timesteps()[0].item<int64_t>(), int64_t{951});

    const at::Tensor x = ref.at("sample_0"), eps = ref.at("model_output")[0];
    const at::Tensor z = torch::linspace(-2, 2, x.numel()).reshape(x.sizes());
    int calls = 0;
    const at::Tensor prev = s->step(eps, 0, x, [&](const at::Tensor& like) {
      ++calls;
      return z.to(like.options());
    });
    QCOMPARE(calls, 1);
    // DDIM formula (12)/(16) with eta = 1, t = 951 -> 901, in float64 from the reference table.
    const at::Tensor acp = common.at("alphas_cumprod").to(at::kDouble);
    const double a = acp[951].item<double>(), ap = acp[901].item<double>();
    const double var = (1 - ap) / (1 - a) * (1 - a / ap);
    const at::Tensor xd = x.to(at::kDouble), ed = eps.to(at::kDouble), zd = z.to(at::kDouble);
    const at::Tensor x0 = (xd - std::sqrt(1 - a) * ed) / std::sqrt(a);
    const at::Tensor expected = std::sqrt(ap) * x0 + std::sqrt(1 - ap - var) * ed + std::sqrt(var) * zd;
    qInfo("DDIM eta=1 step rel L2 %.3g", mrti_test::rel_l2(prev, expected));
    MRTI_COMPARE_REL(prev, expected, 1e-5);

    // eta belongs to DDIM only.
    auto euler = mrti::make_scheduler("euler", sd15_config());
    QVERIFY(!error_of([&] { euler->set_eta(0.5); }).empty());
  }

  // Settings the fixtures do not cover: the schedules are checked against diffusers'
  // formulas worked by hand, and every variant must sample to finite values.
  void option_variants() {
    auto build = [](const char* cls, const json& extra) {
      json cfg = {{"beta_schedule", "scaled_linear"}, {"beta_start", 0.00085}, {"beta_end", 0.012},
                  {"steps_offset", 1}, {"set_alpha_to_one", false}, {"clip_sample", false}};
      cfg.update(extra);
      return mrti::make_scheduler(mrti::SchedulerConfig::from_json(cls, cfg, "variant"));
    };
    auto ints = [](const mrti::Scheduler& s) {
      std::vector<int64_t> v;
      for (int64_t i = 0; i < s.num_steps(); ++i) v.push_back(s.timesteps()[i].item<int64_t>());
      return v;
    };
    // trailing: arange(1000, 0, -50).round() - 1
    auto ddim = build("DDIMScheduler", {{"timestep_spacing", "trailing"}});
    ddim->set_timesteps(20);
    std::vector<int64_t> trailing;
    for (int64_t t = 999; t > 0; t -= 50) trailing.push_back(t);
    QVERIFY(ints(*ddim) == trailing);
    // PNDM with Runge-Kutta warm-up: prk over the last 4 base timesteps, then PLMS.
    auto prk = build("PNDMScheduler", {{"skip_prk_steps", false}});
    prk->set_timesteps(10);
    const std::vector<int64_t> prk_expected = {901, 851, 851, 801, 801, 751, 751, 701, 701, 651,
                                               651, 601, 601, 501, 401, 301, 201, 101, 1};
    QVERIFY(ints(*prk) == prk_expected);
    // Euler with leading spacing scales the initial noise by sqrt(sigma_max^2 + 1).
    auto euler_leading = build("EulerDiscreteScheduler", {{"timestep_spacing", "leading"}});
    euler_leading->set_timesteps(20);
    QCOMPARE(euler_leading->timestep(0), 951.0);
    const double smax = euler_leading->sigmas()[0].item<double>();
    QVERIFY(std::fabs(euler_leading->init_noise_sigma() - std::sqrt(smax * smax + 1)) < 1e-5);

    struct Variant {
      const char* cls;
      json extra;
    };
    const Variant variants[] = {
        {"PNDMScheduler", {{"skip_prk_steps", false}}},
        {"PNDMScheduler", {{"timestep_spacing", "trailing"}, {"prediction_type", "v_prediction"}}},
        {"DDPMScheduler", {{"variance_type", "fixed_large"}, {"prediction_type", "v_prediction"}}},
        {"DDPMScheduler", {{"beta_schedule", "squaredcos_cap_v2"}, {"variance_type", "fixed_small_log"}}},
        {"DDIMScheduler", {{"rescale_betas_zero_snr", true}, {"timestep_spacing", "trailing"},
                           {"prediction_type", "v_prediction"}}},
        {"LMSDiscreteScheduler", {{"use_karras_sigmas", true}}},
        {"EulerDiscreteScheduler", {{"use_karras_sigmas", true}}},
        {"EulerDiscreteScheduler", {{"interpolation_type", "log_linear"}}},
        {"EulerAncestralDiscreteScheduler", {{"timestep_spacing", "trailing"}, {"prediction_type", "v_prediction"}}},
        {"DPMSolverMultistepScheduler", {{"solver_order", 3}}},
        {"DPMSolverMultistepScheduler", {{"algorithm_type", "dpmsolver"}, {"solver_type", "heun"}}},
        {"DPMSolverMultistepScheduler", {{"algorithm_type", "sde-dpmsolver++"}, {"use_karras_sigmas", true}}},
        {"DPMSolverMultistepScheduler", {{"use_lu_lambdas", true}, {"timestep_spacing", "leading"}}},
        {"DPMSolverMultistepScheduler",
         {{"beta_schedule", "squaredcos_cap_v2"}, {"lambda_min_clipped", -5.1}, {"timestep_spacing", "trailing"}}},
    };
    torch::manual_seed(0);
    for (const Variant& v : variants) {
      const QString what = QString("%1 %2").arg(v.cls, QString::fromStdString(v.extra.dump()));
      auto s = build(v.cls, v.extra);
      for (int n : {8, 25}) {
        s->set_timesteps(n);
        QVERIFY2(s->num_steps() >= n, qPrintable(what));
        for (int64_t i = 1; i < s->num_steps(); ++i)
          QVERIFY2(s->timestep(static_cast<int>(i)) <= s->timestep(static_cast<int>(i - 1)), qPrintable(what));
        at::Tensor x = torch::randn({1, 4, 8, 8}) * s->init_noise_sigma();
        int draws = 0;
        for (int i = 0; i < s->num_steps(); ++i) {
          const at::Tensor in = s->scale_model_input(x, i);
          const at::Tensor out = 0.3 * torch::tanh(in) + 0.05 * std::sin(s->timestep(i) / 100);
          x = s->step(out, i, x, [&](const at::Tensor& like) {
            ++draws;
            return torch::randn(like.sizes());
          });
        }
        QVERIFY2(torch::isfinite(x).all().item<bool>(), qPrintable(what + QString(" n=%1").arg(n)));
        QVERIFY2((draws > 0) == s->is_stochastic(), qPrintable(what));
      }
    }
  }

  void misuse_is_reported() {
    const json cfg = {{"_class_name", "PNDMScheduler"}, {"beta_schedule", "scaled_linear"}, {"beta_start", 0.00085},
                      {"beta_end", 0.012}, {"skip_prk_steps", true}, {"steps_offset", 1}};
    auto s = mrti::make_scheduler("pndm", cfg);
    const at::Tensor x = torch::zeros({1, 4, 8, 8});
    QVERIFY(error_of([&] { s->step(x, 0, x); }).find("set_timesteps") != std::string::npos);
    s->set_timesteps(10);
    QCOMPARE(s->num_steps(), int64_t{11});
    QVERIFY(!error_of([&] { s->step(x, 11, x); }).empty());
    s->step(x, 0, x);
    // A multistep history cannot skip a step.
    QVERIFY(error_of([&] { s->step(x, 2, x); }).find("in order") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestSchedulers)
#include "test_schedulers.moc"
