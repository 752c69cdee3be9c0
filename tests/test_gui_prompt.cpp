// The prompt editor (highlighting, completion, token count), the detail-level slider's
// two-way editing of a reference, and the concept browser over a library folder.
#include "test_support.h"

#include <QApplication>
#include <QCompleter>
#include <QComboBox>
#include <QLineEdit>
#include <QListView>
#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QIcon>
#include <QTextBlock>
#include <QTextLayout>
#include <fstream>

#include "concept_browser.h"
#include "detail_level_panel.h"
#include "engine_controller.h"
#include "multires/concept_library.h"
#include "prompt_editor.h"

using namespace mrti::ui;
using mrti::studio::Form;

namespace {

mrti::studio::Scales twoConcepts() { return {{"cat", 10}, {"dog", 4}}; }

// The format the highlighter put on character `pos` of the first block.
QTextCharFormat formatAt(const PromptEditor& e, int pos) {
  const QTextBlock block = e.document()->firstBlock();
  for (const auto& r : block.layout()->formats())
    if (pos >= r.start && pos < r.start + r.length) return r.format;
  return {};
}

QColor colorOf(Form f) { return PromptHighlighter::formFormat(f).foreground().color(); }

void saveConcept(const std::string& dir, const std::string& name, int64_t n, int64_t d, bool thumbnail,
                 const std::string& base = "tiny-sd15") {
  auto c = mrti::make_concept(name, torch::randn({n, d}), "", base, 100);
  if (thumbnail) c.thumbnail = torch::full({8, 8, 3}, 180, torch::kUInt8);
  mrti::ConceptLibrary(dir, true).save(c);
}

}  // namespace

class TestGuiPrompt : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test"));
  }

  void highlighterTellsFormsAndErrorsApart() {
    PromptEditor e;
    e.setConcepts(twoConcepts());
    const QString text = QStringLiteral("a <cat|3|> and <dog[1]> or <cat(2)> x <nosuch|1|> y <dog|9|>");
    e.setPlainText(text);
    const int fixedAt = text.indexOf(QStringLiteral("<cat|3|>"));
    const int fullyAt = text.indexOf(QStringLiteral("<dog[1]>"));
    const int semiAt = text.indexOf(QStringLiteral("<cat(2)>"));
    const int unknownAt = text.indexOf(QStringLiteral("<nosuch|1|>"));
    const int rangeAt = text.indexOf(QStringLiteral("<dog|9|>"));
    // Every character of each reference carries its form's colour; the text around it none.
    for (int i = 0; i < 8; ++i) {
      QCOMPARE(formatAt(e, fixedAt + i).foreground().color(), colorOf(Form::fixed));
      QCOMPARE(formatAt(e, fullyAt + i).foreground().color(), colorOf(Form::fully));
      QCOMPARE(formatAt(e, semiAt + i).foreground().color(), colorOf(Form::semi));
    }
    QVERIFY(colorOf(Form::fixed) != colorOf(Form::fully));
    QVERIFY(colorOf(Form::fully) != colorOf(Form::semi));
    QVERIFY(colorOf(Form::fixed) != colorOf(Form::semi));
    QCOMPARE(formatAt(e, 0).foreground().style(), Qt::NoBrush);
    QCOMPARE(formatAt(e, fixedAt + 8).foreground().style(), Qt::NoBrush);
    // Unknown concept and out-of-range resolution: red wavy underline over the token.
    for (int at : {unknownAt, rangeAt}) {
      QCOMPARE(formatAt(e, at).underlineStyle(), QTextCharFormat::WaveUnderline);
      QCOMPARE(formatAt(e, at).underlineColor(), QColor(Qt::red));
      QCOMPARE(formatAt(e, at + 3).underlineStyle(), QTextCharFormat::WaveUnderline);
    }
    QCOMPARE(formatAt(e, unknownAt - 2).underlineStyle(), QTextCharFormat::NoUnderline);
    QVERIFY(e.problem().contains(QStringLiteral("nosuch")));
  }

  void highlighterCountsUtf16() {
    // Emoji take two UTF-16 units: the reference after them must still be found exactly.
    PromptEditor e;
    e.setConcepts(twoConcepts());
    const QString text = QStringLiteral("\U0001F431\U0001F431 <dog[2]>");
    e.setPlainText(text);
    const int at = text.indexOf(QLatin1Char('<'));
    QCOMPARE(at, 5);
    QCOMPARE(formatAt(e, at).foreground().color(), colorOf(Form::fully));
    QCOMPARE(formatAt(e, at - 1).foreground().style(), Qt::NoBrush);
  }

  void tokenCounterCountsClipTokens() {
    PromptEditor e;
    e.setConcepts(twoConcepts());
    QSignalSpy spy(&e, &PromptEditor::tokenCountChanged);
    e.setPlainText(QStringLiteral("a photo of a cat"));
    QCOMPARE(e.tokenCount(), 5);
    QVERIFY(!spy.isEmpty());
    QCOMPARE(spy.last().at(1).toInt(), 75);
    e.setPlainText(QStringLiteral("a photo of <cat|3|>"));
    QCOMPARE(e.tokenCount(), 4);  // the reference takes one slot (V = 1)
    // A concept the library lacks, or k past a known concept's scales: still one slot each.
    e.setPlainText(QStringLiteral("a photo of <jane(3)> and <cat|99|>"));
    QCOMPARE(e.tokenCount(), 6);
  }

  void completionListsTheLibrary() {
    PromptEditor e;
    QImage dogPicture(64, 64, QImage::Format_RGB888);
    dogPicture.fill(Qt::red);
    e.setConcepts({{"cat", 10}, {"dog", 4}, {"dolphin", 3}}, {{QStringLiteral("dog"), dogPicture}});
    // Each row shows the concept's scales, and its picture where it has one.
    const QAbstractItemModel* names = e.completer()->model();
    QCOMPARE(names->rowCount(), 3);
    QCOMPARE(names->index(1, 0).data().toString(), QStringLiteral("dog  ·  4 scales"));
    QCOMPARE(names->index(1, 0).data(e.completer()->completionRole()).toString(), QStringLiteral("dog"));
    QVERIFY(!names->index(1, 0).data(Qt::DecorationRole).value<QIcon>().isNull());
    QVERIFY(names->index(0, 0).data(Qt::DecorationRole).isNull());
    e.show();
    QVERIFY(QTest::qWaitForWindowExposed(&e));
    e.setFocus();
    QTest::keyClicks(&e, QStringLiteral("a <do"));
    QCOMPARE(e.completer()->completionPrefix(), QStringLiteral("do"));
    QCOMPARE(e.completer()->completionCount(), 2);
    QTest::keyClicks(&e, QStringLiteral("l"));
    QCOMPARE(e.completer()->completionCount(), 1);
    QCOMPARE(e.completer()->currentCompletion(), QStringLiteral("dolphin"));
    Q_EMIT e.completer()->activated(QStringLiteral("dolphin"));
    QCOMPARE(e.toPlainText(), QStringLiteral("a <dolphin|0|>"));
    e.clear();
    e.insertConcept(QStringLiteral("cat"));
    QCOMPARE(e.toPlainText(), QStringLiteral("<cat|0|>"));
  }

  void sliderAndTokenEditEachOther() {
    PromptEditor e;
    e.setConcepts(twoConcepts());
    DetailLevelPanel panel(&e);
    panel.setSchedule(QString(), QStringLiteral("euler"), 20);
    e.setPlainText(QStringLiteral("a photo of <cat|3|> here"));
    QTextCursor c = e.textCursor();
    c.setPosition(13);
    e.setTextCursor(c);
    QVERIFY(panel.hasToken());
    QVERIFY(panel.slider()->isEnabled());
    QCOMPARE(panel.slider()->minimum(), 0);
    QCOMPARE(panel.slider()->maximum(), 9);
    QCOMPARE(panel.slider()->value(), 3);
    QCOMPARE(panel.formBox()->currentIndex(), int(Form::fixed));
    QVERIFY(!panel.timeline()->timeline().rows.empty());
    QCOMPARE(int(panel.timeline()->timeline().rows.front().level.size()), 20);

    // slider -> text, one undo step per change
    panel.slider()->setValue(5);
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat|5|> here"));
    panel.formBox()->setCurrentIndex(int(Form::fully));
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat[5]> here"));
    panel.formBox()->setCurrentIndex(int(Form::semi));
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat(5)> here"));
    e.undo();
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat[5]> here"));
    QCOMPARE(panel.formBox()->currentIndex(), int(Form::fully));
    e.undo();
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat|5|> here"));
    e.undo();
    QCOMPARE(e.toPlainText(), QStringLiteral("a photo of <cat|3|> here"));
    c = e.textCursor();
    c.setPosition(13);
    e.setTextCursor(c);
    QCOMPARE(panel.slider()->value(), 3);
    e.redo();
    c = e.textCursor();
    c.setPosition(13);
    e.setTextCursor(c);
    QCOMPARE(panel.slider()->value(), 5);

    // text -> slider
    e.setPlainText(QStringLiteral("<dog[2]> and <cat(7)>"));
    c = e.textCursor();
    c.setPosition(16);
    e.setTextCursor(c);
    QCOMPARE(panel.slider()->value(), 7);
    QCOMPARE(panel.formBox()->currentIndex(), int(Form::semi));
    c.setPosition(2);
    e.setTextCursor(c);
    QCOMPARE(panel.slider()->maximum(), 3);
    QCOMPARE(panel.slider()->value(), 2);
    QCOMPARE(panel.formBox()->currentIndex(), int(Form::fully));
    c.setPosition(10);  // plain text: nothing to edit
    e.setTextCursor(c);
    QVERIFY(!panel.hasToken());
    QVERIFY(!panel.slider()->isEnabled());

    // continuous when interpolating: decimal resolutions
    e.setPlainText(QStringLiteral("<cat|3|>"));
    c = e.textCursor();
    c.setPosition(3);
    e.setTextCursor(c);
    panel.setInterpolate(true);
    QCOMPARE(panel.slider()->maximum(), 900);
    panel.slider()->setValue(450);  // position 4.5 of 0..9: rho * N = 4.5
    QCOMPARE(e.toPlainText(), QStringLiteral("<cat|0.45|>"));
    QCOMPARE(panel.slider()->value(), 450);  // read back where it was put
    panel.slider()->setValue(300);
    QCOMPARE(e.toPlainText(), QStringLiteral("<cat|0.3|>"));
    QCOMPARE(panel.slider()->value(), 300);
  }

  void conceptBrowserModelOverALibrary() {
    const std::string dir = mrti_test::temp_dir("gui-library");
    saveConcept(dir, "cat", 10, 32, true);
    saveConcept(dir, "dog", 4, 768, false, "sd15");
    std::ofstream(dir + "/broken.safetensors") << "not a safetensors file";
    EngineController engine;
    ConceptBrowser browser(&engine);
    auto* model = browser.model();
    model->setDirectory(QString::fromStdString(dir));
    QCOMPARE(model->rowCount(), 3);
    QCOMPARE(model->index(0).data(ConceptListModel::NameRole).toString(), QStringLiteral("broken"));
    QCOMPARE(model->index(1).data(ConceptListModel::NameRole).toString(), QStringLiteral("cat"));
    QCOMPARE(model->index(1).data(ConceptListModel::NumScalesRole).toInt(), 10);
    QCOMPARE(model->index(1).data(ConceptListModel::BaseModelRole).toString(), QStringLiteral("tiny-sd15"));
    QVERIFY(model->index(1).data(Qt::DisplayRole).toString().contains(QStringLiteral("10 scales")));
    QVERIFY(model->index(1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("token width 32")));
    QVERIFY(!model->index(1).data(Qt::DecorationRole).value<QPixmap>().isNull());
    QVERIFY(!model->index(0).data(ConceptListModel::ProblemRole).toString().isEmpty());
    QCOMPARE(model->scales(), (mrti::studio::Scales{{"cat", 10}, {"dog", 4}}));

    // With a 32-wide model loaded, the 768-wide concept says why it cannot be used.
    QVERIFY(model->index(2).data(ConceptListModel::ProblemRole).toString().isEmpty());
    model->setModelTokenWidth(32);
    QVERIFY(model->index(1).data(ConceptListModel::ProblemRole).toString().isEmpty());
    const QString problem = model->index(2).data(ConceptListModel::ProblemRole).toString();
    QVERIFY2(problem.contains(QStringLiteral("768")) && problem.contains(QStringLiteral("32")), qPrintable(problem));
    QVERIFY(model->index(2).data(Qt::DisplayRole).toString().contains(QStringLiteral("Unusable")));

    browser.filterBox()->setText(QStringLiteral("DO"));
    QCOMPARE(browser.proxy()->rowCount(), 1);
    browser.filterBox()->clear();
    QCOMPARE(browser.proxy()->rowCount(), 3);

    // double-click inserts the reference
    QSignalSpy activated(&browser, &ConceptBrowser::conceptActivated);
    Q_EMIT browser.view()->doubleClicked(browser.proxy()->index(1, 0));
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.first().first().toString(), QStringLiteral("cat"));

    QString error;
    QVERIFY(!browser.renameConcept(QStringLiteral("dog"), QStringLiteral("bad name"), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(browser.renameConcept(QStringLiteral("dog"), QStringLiteral("hound")));
    QCOMPARE(model->rowOf(QStringLiteral("dog")), -1);
    QVERIFY(model->rowOf(QStringLiteral("hound")) >= 0);
    QVERIFY(std::filesystem::exists(dir + "/hound.safetensors"));
    const QString exported = QString::fromStdString(mrti_test::temp_dir("gui-export") + "/cat-k2.safetensors");
    QVERIFY(!browser.exportResolution(QStringLiteral("cat"), 10, exported, &error));  // k out of range
    QVERIFY(browser.exportResolution(QStringLiteral("cat"), 2, exported));
    QVERIFY(QFileInfo::exists(exported));
    QVERIFY(browser.deleteConcept(QStringLiteral("hound")));
    QCOMPARE(model->rowCount(), 2);
    QVERIFY(!std::filesystem::exists(dir + "/hound.safetensors"));

    // dropping a concept file on the browser imports it (on the engine thread)
    const std::string other = mrti_test::temp_dir("gui-import");
    saveConcept(other, "owl", 3, 32, false);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(other + "/owl.safetensors"))});
    QSignalSpy imported(&engine, &EngineController::conceptImported);
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&browser, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&browser, &drop);
    QTRY_VERIFY_WITH_TIMEOUT(!imported.isEmpty(), 20000);
    QCOMPARE(imported.first().at(1).toString(), QStringLiteral("owl"));
    QTRY_VERIFY(model->rowOf(QStringLiteral("owl")) >= 0);

    // A concept of the original code's layout, given as its text encoder file (what a file
    // dialog picks) or as its folder: its scales are the rows beyond CLIP's vocabulary.
    if (!mrti_test::fixtures_dir().empty()) {
      const QString original = QString::fromStdString(mrti_test::fixture("multires/concepts/cat"));
      QSignalSpy failedImport(&engine, &EngineController::conceptImportFailed);
      imported.clear();
      engine.importConcept(QString::fromStdString(dir), original + QStringLiteral("/text_encoder/pytorch_model.bin"),
                           QStringLiteral("orig_cat"));
      QTRY_VERIFY_WITH_TIMEOUT(!imported.isEmpty() || !failedImport.isEmpty(), 20000);
      QVERIFY2(failedImport.isEmpty(), failedImport.isEmpty() ? "" : qPrintable(failedImport.first().at(2).toString()));
      QCOMPARE(imported.first().at(1).toString(), QStringLiteral("orig_cat"));
      QCOMPARE(mrti::ConceptLibrary(dir, false).load("orig_cat").num_scales(), int64_t(10));
      imported.clear();
      engine.importConcept(QString::fromStdString(dir), original, QStringLiteral("orig_dir"));
      QTRY_VERIFY_WITH_TIMEOUT(!imported.isEmpty() || !failedImport.isEmpty(), 20000);
      QVERIFY(failedImport.isEmpty());
      QCOMPARE(mrti::ConceptLibrary(dir, false).load("orig_dir").num_scales(), int64_t(10));
    }
  }
};

QTEST_MAIN(TestGuiPrompt)
#include "test_gui_prompt.moc"
