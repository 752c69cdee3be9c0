// The model list: it shows the shipped model and the ones opened before with what each is,
// switches between them without a restart, and a model that fails to load is named with
// the reason while the previous one stays loaded.
#include "test_support.h"

#include <QApplication>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>

#include <fstream>
#include <QPushButton>
#include <QDockWidget>
#include <QSignalSpy>
#include <QTreeWidget>

#include "engine_controller.h"
#include "main_window.h"
#include "model_list.h"
#include "shipped_content.h"

using namespace mrti::ui;
namespace fs = std::filesystem;

namespace {

QTreeWidgetItem* rowOf(ModelList* list, const QString& path) {
  for (int i = 0; i < list->view()->topLevelItemCount(); ++i)
    if (list->models().at(i) == path) return list->view()->topLevelItem(i);
  return nullptr;
}

// The window with the Models dock in front, next to the test executable.
void saveModelsShot(MainWindow& w, const QString& name) {
  for (auto* dock : w.findChildren<QDockWidget*>())
    if (dock->objectName() == QLatin1String("modelDock")) dock->raise();
  QApplication::processEvents();
  const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  QVERIFY(w.grab().save(dir + QLatin1Char('/') + name));
}

}  // namespace

class TestGuiModels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-models"));
    QSettings().clear();
    QVERIFY2(shippedModelPresent(), qPrintable(shippedModelPath()));
  }

  void listsSwitchesAndKeepsTheModelOnAFailedLoad() {
    // A second model on disk: a copy of the shipped one under another name.
    const std::string copy = mrti_test::temp_dir("gui-models") + "/shapes-copy";
    fs::copy(shippedModelPath().toStdString(), copy, fs::copy_options::recursive);
    const QString copyPath = QString::fromStdString(copy);

    MainWindow w;
    w.resize(1280, 820);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    ModelList* list = w.modelList();
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_COMPARE(list->loaded(), shippedModelPath());
    QVERIFY(list->models().contains(shippedModelPath()));
    // What it is, read from the files: 7.4 M parameters in float16, a diffusers folder.
    QTRY_VERIFY_WITH_TIMEOUT(!list->description(shippedModelPath()).isEmpty(), 30000);
    const QString what = list->description(shippedModelPath());
    qInfo("shipped model: %s", qPrintable(what));
    QVERIFY2(what.contains(QStringLiteral("fp16")) && what.contains(QStringLiteral(" M")), qPrintable(what));
    QVERIFY(rowOf(list, shippedModelPath())->font(0).bold());

    // Opened once, the copy joins the list and becomes the one in use.
    loaded.clear();
    w.loadModel(copyPath);
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_COMPARE(w.engine()->model().source, copyPath);
    QTRY_VERIFY(list->models().contains(copyPath));
    QTRY_COMPARE(list->loaded(), copyPath);
    QVERIFY(!rowOf(list, shippedModelPath())->font(0).bold());
    QTRY_VERIFY_WITH_TIMEOUT(!list->description(copyPath).isEmpty(), 30000);
    saveModelsShot(w, QStringLiteral("model-list.png"));

    // A broken folder: the message names it and why, and the copy stays loaded.
    const std::string broken = mrti_test::temp_dir("gui-models") + "/broken";
    fs::create_directories(broken);
    std::ofstream(broken + "/model_index.json") << "{ not json";
    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    w.loadModel(QString::fromStdString(broken));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 60000);
    // The spy hears the engine thread at once; the window answers through its event queue.
    QTRY_VERIFY(w.messageIsError());
    QVERIFY2(w.messageIsError() && w.messageText().contains(QString::fromStdString(broken)), qPrintable(w.messageText()));
    QCOMPARE(w.engine()->model().source, copyPath);
    QCOMPARE(list->loaded(), copyPath);
    QVERIFY(!list->models().contains(QString::fromStdString(broken)));

    // Back to the shipped model from the list, as a double-click does.
    loaded.clear();
    QTreeWidgetItem* shipped = rowOf(list, shippedModelPath());
    QVERIFY(shipped);
    Q_EMIT list->view()->itemDoubleClicked(shipped, 0);
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_COMPARE(w.engine()->model().source, shippedModelPath());
    QTRY_COMPARE(list->loaded(), shippedModelPath());

    // Removing the copy takes it off the list, not off the disk; the shipped one stays.
    list->view()->clearSelection();
    rowOf(list, shippedModelPath())->setSelected(true);
    QVERIFY(!list->removeButton()->isEnabled());  // the shipped model cannot be taken off
    list->view()->clearSelection();
    rowOf(list, copyPath)->setSelected(true);
    QVERIFY(list->removeButton()->isEnabled());
    list->removeButton()->click();
    QTRY_VERIFY(!list->models().contains(copyPath));
    QVERIFY(fs::exists(copy + "/model_index.json"));
    QVERIFY(list->models().contains(shippedModelPath()));
    fs::remove_all(fs::path(copy).parent_path());
  }
};

QTEST_MAIN(TestGuiModels)
#include "test_gui_models.moc"
