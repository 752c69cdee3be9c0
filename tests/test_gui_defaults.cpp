// The default model and what ships with the app: a start without a model opens the one
// chosen in Settings (else the shipped one) and takes that model's size, steps and
// guidance; a missing default is reported in the banner, not fatal; the Settings dialog
// stores the choice; shipped concepts are copied into the library once, and one the user
// deleted stays deleted.
#include "test_support.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QToolButton>
#include <fstream>

#include <nlohmann/json.hpp>

#include "concept_browser.h"
#include "engine_controller.h"
#include "main_window.h"
#include "models/random_model.h"
#include "models/stable_diffusion.h"
#include "multires/concept_library.h"
#include "parameters_panel.h"
#include "prompt_editor.h"
#include "shipped_content.h"

using namespace mrti::ui;

namespace {

// A model of the shipped one's architecture with random weights, whose model_index.json
// names its defaults as the shipped one's does. Written once per run.
QString standInModel() {
  static QString dir;
  if (!dir.isEmpty()) return dir;
  const std::string out = mrti_test::temp_dir("gui-defaults-model") + "/shapes64";
  mrti::RandomModelOptions options;
  options.arch = "shapes64";
  options.tokenizer_dir = mrti::bundled_clip_tokenizer_dir();
  mrti::write_random_model(out, options);
  const std::string index = out + "/model_index.json";
  nlohmann::json j = nlohmann::json::parse(std::ifstream(index));
  j["_mrti_defaults"] = {{"width", 64}, {"height", 64}, {"steps", 20}, {"guidance", 4.0}};
  std::ofstream(index) << j.dump(2);
  dir = QString::fromStdString(out);
  return dir;
}

// Waits for the window's pending model load; "" when it loaded, else why not.
QString waitForLoad(QSignalSpy& loaded, QSignalSpy& failed) {
  if (!QTest::qWaitFor([&] { return !loaded.isEmpty() || !failed.isEmpty(); }, 120000))
    return QStringLiteral("no answer within two minutes");
  return failed.isEmpty() ? QString() : failed.first().at(2).toString();
}

void saveConcept(const std::string& dir, const std::string& name, int64_t scales) {
  mrti::ConceptLibrary(dir, true).save(mrti::make_concept(name, torch::randn({scales, 64}), "", "shapes64", 100));
}

// Runs the Settings dialog, letting `edit` change it before OK.
void editSettings(MainWindow& w, const std::function<void(QDialog*)>& edit) {
  bool seen = false;
  QTimer::singleShot(0, &w, [&] {
    auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    if (!dialog) return;
    seen = true;
    edit(dialog);
    dialog->accept();
  });
  w.showSettings();
  QVERIFY(seen);
}

}  // namespace

class TestGuiDefaults : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-defaults"));
    QSettings().clear();
  }

  void init() { QSettings().clear(); }

  void defaultModelFromSettingsBringsItsParameters() {
    const QString model = standInModel();
    setDefaultModelSetting(model);
    MainWindow w;
    w.setOutputDirectory(QString::fromStdString(mrti_test::temp_dir("gui-defaults-out")));
    auto* p = w.parameters();
    p->stepsBox()->setValue(33);
    p->samplerBox()->setCurrentIndex(2);
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    w.loadDefaultModel();
    const QString why = waitForLoad(loaded, failed);
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QTRY_VERIFY(!w.showingWelcome());
    QCOMPARE(p->widthBox()->value(), 64);
    QCOMPARE(p->heightBox()->value(), 64);
    QCOMPARE(p->steps(), 20);
    QCOMPARE(p->guidance(), 4.0);
    QCOMPARE(p->sampler(), QString());  // the model's own (its scheduler config's)
    QVERIFY2(!w.messageIsError(), qPrintable(w.messageText()));
    // Not the shipped model: no examples, and the prompt is left alone.
    QVERIFY(w.examplesButton()->isHidden());
    QVERIFY(w.promptEditor()->toPlainText().isEmpty());

    // The user's edits are what generates, until another model loads.
    p->widthBox()->setValue(128);
    p->guidanceBox()->setValue(9);
    p->stepsBox()->setValue(2);
    w.promptEditor()->setPlainText(QStringLiteral("a small red circle on a blue background"));
    QSignalSpy finished(w.engine(), &EngineController::generationFinished);
    QSignalSpy genFailed(w.engine(), &EngineController::generationFailed);
    w.generate();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !genFailed.isEmpty(), 120000);
    QVERIFY2(genFailed.isEmpty(), genFailed.isEmpty() ? "" : qPrintable(genFailed.first().at(1).toString()));
    QCOMPARE(finished.first().at(1).value<QVector<QImage>>().front().size(), QSize(128, 64));
    QVERIFY(finished.first().at(2).toStringList().front().contains(QStringLiteral("CFG scale: 9")));
    QCOMPARE(p->widthBox()->value(), 128);

    loaded.clear();
    w.loadModel(model);
    QVERIFY2(waitForLoad(loaded, failed).isEmpty(), "second load failed");
    QCOMPARE(p->widthBox()->value(), 64);
    QCOMPARE(p->steps(), 20);
    QCOMPARE(p->guidance(), 4.0);
  }

  void missingDefaultModelIsReported() {
    const QString missing = QStringLiteral("/nonexistent/mrti-default-model");
    setDefaultModelSetting(missing);
    MainWindow w;
    w.loadDefaultModel();
    QVERIFY(w.messageIsError());
    QVERIFY2(w.messageText().contains(missing), qPrintable(w.messageText()));
    QVERIFY(!w.engine()->isBusy());
    QVERIFY(!w.engine()->hasModel());
    QVERIFY(w.showingWelcome());

    // A folder that is there but holds no model: the load fails into the banner.
    const QString notAModel = QString::fromStdString(mrti_test::temp_dir("gui-defaults-empty"));
    setDefaultModelSetting(notAModel);
    MainWindow w2;
    QSignalSpy failed(w2.engine(), &EngineController::modelLoadFailed);
    w2.loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 60000);
    QTRY_VERIFY(w2.messageText().contains(notAModel));
    QVERIFY(w2.messageIsError());
    QVERIFY(w2.showingWelcome());
  }

  void shippedModelWhenNoneIsChosen() {
    MainWindow w;
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    w.loadDefaultModel();
    if (!shippedModelPresent()) {
      // Not trained yet in this checkout: said so, and the window stays usable.
      QVERIFY(w.messageIsError());
      QVERIFY2(w.messageText().contains(shippedModelPath()), qPrintable(w.messageText()));
      QVERIFY(w.showingWelcome());
      QVERIFY(!w.engine()->isBusy());
      QSKIP("the shipped model is not in this checkout: its first-run prompt is not checked");
    }
    const QString why = waitForLoad(loaded, failed);
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QVERIFY(isShippedModel(w.engine()->model().source));
    // The first run starts with a prompt the model understands, and offers more.
    QCOMPARE(w.promptEditor()->toPlainText(), examplePrompts(false).front());
    QVERIFY(!w.examplesButton()->isHidden());
    // Only once.
    MainWindow again;
    QSignalSpy loadedAgain(again.engine(), &EngineController::modelLoaded);
    QSignalSpy failedAgain(again.engine(), &EngineController::modelLoadFailed);
    again.loadDefaultModel();
    QVERIFY(waitForLoad(loadedAgain, failedAgain).isEmpty());
    QVERIFY(again.promptEditor()->toPlainText().isEmpty());
  }

  void settingsStoreTheDefaultModel() {
    MainWindow w;
    const QString model = QString::fromStdString(mrti_test::temp_dir("gui-defaults-chosen"));
    editSettings(w, [&](QDialog* d) {
      auto* edit = d->findChild<QLineEdit*>(QStringLiteral("defaultModelEdit"));
      QVERIFY(edit);
      QVERIFY(edit->text().isEmpty());  // the shipped model
      QVERIFY(edit->placeholderText().contains(shippedModelPath()));
      edit->setText(model);
    });
    QCOMPARE(defaultModelSetting(), model);
    editSettings(w, [&](QDialog* d) {
      auto* edit = d->findChild<QLineEdit*>(QStringLiteral("defaultModelEdit"));
      QVERIFY(edit);
      QCOMPARE(edit->text(), model);
      auto* reset = d->findChild<QPushButton*>(QStringLiteral("useShippedModelButton"));
      QVERIFY(reset);
      reset->click();
      QVERIFY(edit->text().isEmpty());
    });
    QVERIFY(defaultModelSetting().isEmpty());
    QVERIFY(!QSettings().contains(QStringLiteral("model/default")));
  }

  void shippedConceptsAreCopiedOnce() {
    const std::string shipped = mrti_test::temp_dir("gui-shipped-concepts");
    saveConcept(shipped, "dotstar", 4);
    saveConcept(shipped, "mine", 4);
    const std::string lib = mrti_test::temp_dir("gui-seeded-library");
    saveConcept(lib, "mine", 2);  // the user's own concept of a shipped name is kept
    const QString from = QString::fromStdString(shipped);
    {
      MainWindow w;
      w.setConceptDirectory(QString::fromStdString(lib));
      w.seedShippedConcepts(from);
      auto* m = w.conceptBrowser()->model();
      QVERIFY(m->rowOf(QStringLiteral("dotstar")) >= 0);
      QCOMPARE(m->scales().at("mine"), int64_t(2));
      QCOMPARE(w.promptEditor()->highlighter()->concepts().count("dotstar"), std::size_t(1));
      // With the demo concept in the library, the examples offer it.
      QMenu* menu = w.examplesButton()->menu();
      Q_EMIT menu->aboutToShow();
      QVERIFY(!menu->actions().isEmpty());
      QAction* last = menu->actions().last();
      QVERIFY2(last->text().contains(QStringLiteral("<dotstar[0]>")), qPrintable(last->text()));
      last->trigger();
      QCOMPARE(w.promptEditor()->toPlainText(), QStringLiteral("a <dotstar[0]> on a red background"));
      QVERIFY(w.promptEditor()->problem().isEmpty());

      QVERIFY(w.conceptBrowser()->deleteConcept(QStringLiteral("dotstar")));
      w.seedShippedConcepts(from);
      QCOMPARE(m->rowOf(QStringLiteral("dotstar")), -1);
      Q_EMIT menu->aboutToShow();
      QVERIFY(!menu->actions().last()->text().contains(QStringLiteral("dotstar")));
    }
    // Nor at the next start; a concept shipped later still arrives.
    saveConcept(shipped, "ringsquare", 3);
    MainWindow w;
    w.setConceptDirectory(QString::fromStdString(lib));
    w.seedShippedConcepts(from);
    QCOMPARE(w.conceptBrowser()->model()->rowOf(QStringLiteral("dotstar")), -1);
    QVERIFY(w.conceptBrowser()->model()->rowOf(QStringLiteral("ringsquare")) >= 0);
    QCOMPARE(seedConcepts(from, QString::fromStdString(lib)), QStringList());
  }

  void examplePromptsAreWellFormed() {
    const mrti::studio::Scales known = {{"dotstar", 4}};
    for (const QString& p : examplePrompts(true)) {
      const auto a = mrti::studio::analyze_prompt(p.toStdString(), known);
      QVERIFY2(!a.has_error, qPrintable(p + QStringLiteral(": ") + QString::fromStdString(a.error)));
    }
    QVERIFY(!examplePrompts(false).join(QLatin1Char(' ')).contains(kDemoConcept));
  }
};

QTEST_MAIN(TestGuiDefaults)
#include "test_gui_defaults.moc"
