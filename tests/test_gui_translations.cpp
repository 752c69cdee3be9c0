// The interface language: the app's start-up in a German session (LANG=de_DE.UTF-8) shows German
// menus, an explicit choice of Greek or English wins over the system, the settings dialog stores
// the choice, and every committed .ts file is translated completely.
#include <QtTest/QtTest>

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QLibraryInfo>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QXmlStreamReader>

#include "main_window.h"
#include "translations.h"

using mrti::ui::MainWindow;

namespace {

QStringList menuTitles(const MainWindow& w) {
  QStringList titles;
  for (QAction* a : w.menuBar()->actions()) titles << a->text();
  return titles;
}

struct TsCount {
  int messages = 0;
  QStringList problems;  // unfinished, empty or obsolete entries, by source text
};

TsCount scanTs(const QString& path) {
  TsCount count;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    count.problems << QStringLiteral("cannot open %1").arg(path);
    return count;
  }
  QXmlStreamReader xml(&file);
  QString source;
  bool numerus = false;
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    if (xml.name() == QLatin1String("message")) {
      ++count.messages;
      numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
    } else if (xml.name() == QLatin1String("source")) {
      source = xml.readElementText();
    } else if (xml.name() == QLatin1String("translation")) {
      const QString type = xml.attributes().value(QLatin1String("type")).toString();
      QStringList texts;
      if (numerus) {
        while (xml.readNextStartElement()) texts << xml.readElementText();
      } else {
        texts << xml.readElementText();
      }
      bool empty = texts.isEmpty();
      for (const auto& t : texts) empty = empty || t.trimmed().isEmpty();
      if (!type.isEmpty()) count.problems << QStringLiteral("%1 (%2)").arg(source, type);
      else if (empty) count.problems << QStringLiteral("%1 (empty)").arg(source);
    }
  }
  if (xml.hasError()) count.problems << QStringLiteral("%1: %2").arg(path, xml.errorString());
  return count;
}

}  // namespace

class TestGuiTranslations : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-i18n"));
    QSettings().clear();
  }
  void cleanup() {
    mrti::ui::setLanguageSetting(QString());
    mrti::ui::installTranslations(QString());
  }

  void translationsAreEmbedded() {
    QVERIFY(QFile::exists(QStringLiteral(":/i18n/mrti_de.qm")));
    QVERIFY(QFile::exists(QStringLiteral(":/i18n/mrti_el.qm")));
  }

  void systemLanguageIsGerman() {
    QVERIFY(QLocale().uiLanguages().join(QLatin1Char(' ')).startsWith(QLatin1String("de")));
    QCOMPARE(mrti::ui::installTranslations(), QStringLiteral("de"));
    MainWindow w;
    const QStringList titles = menuTitles(w);
    QVERIFY2(titles.contains(QStringLiteral("&Datei")), qPrintable(titles.join(QLatin1String(", "))));
    QVERIFY2(!titles.contains(QStringLiteral("&File")), qPrintable(titles.join(QLatin1String(", "))));
  }

  void greekChoiceWinsOverSystem() {
    mrti::ui::setLanguageSetting(QStringLiteral("el"));
    QCOMPARE(mrti::ui::languageSetting(), QStringLiteral("el"));
    QCOMPARE(mrti::ui::installTranslations(), QStringLiteral("el"));
    MainWindow w;
    const QStringList titles = menuTitles(w);
    QVERIFY2(titles.contains(QStringLiteral("&Αρχείο")), qPrintable(titles.join(QLatin1String(", "))));
    QVERIFY2(!titles.contains(QStringLiteral("&Datei")), qPrintable(titles.join(QLatin1String(", "))));
  }

  void englishChoiceKeepsEnglish() {
    mrti::ui::setLanguageSetting(QStringLiteral("en"));
    QCOMPARE(mrti::ui::installTranslations(), QStringLiteral("en"));
    MainWindow w;
    const QStringList titles = menuTitles(w);
    QVERIFY2(titles.contains(QStringLiteral("&File")), qPrintable(titles.join(QLatin1String(", "))));
    QVERIFY2(titles.contains(QStringLiteral("&Help")), qPrintable(titles.join(QLatin1String(", "))));
    QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), QStringLiteral("Cancel"));
  }

  void unknownChoiceFollowsSystem() {
    QSettings().setValue(QStringLiteral("ui/language"), QStringLiteral("xx"));
    QCOMPARE(mrti::ui::languageSetting(), QString());
    QCOMPARE(mrti::ui::installTranslations(), QStringLiteral("de"));
  }

  void qtDialogsFollow() {
    const QString dir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
    QVERIFY2(QFile::exists(dir + QStringLiteral("/qtbase_de.qm")),
             "Qt's own German translation is not installed (qt6-translations-l10n)");
    QCOMPARE(mrti::ui::installTranslations(QStringLiteral("de")), QStringLiteral("de"));
    QDialogButtonBox box(QDialogButtonBox::Cancel);
    QCOMPARE(box.button(QDialogButtonBox::Cancel)->text(), QStringLiteral("Abbrechen"));
  }

  void settingsDialogStoresTheChoice() {
    QCOMPARE(mrti::ui::installTranslations(QStringLiteral("en")), QStringLiteral("en"));
    MainWindow w;
    QStringList offered;
    bool seen = false;
    // The dialog is modal: drive it from the event loop it runs.
    QTimer::singleShot(0, &w, [&] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      if (!dialog) return;
      auto* combo = dialog->findChild<QComboBox*>(QStringLiteral("languageCombo"));
      if (combo) {
        seen = true;
        for (int i = 0; i < combo->count(); ++i) offered << combo->itemText(i);
        combo->setCurrentIndex(combo->findData(QStringLiteral("el")));
      }
      dialog->accept();
    });
    w.showSettings();
    QVERIFY(seen);
    QCOMPARE(offered, QStringList({QStringLiteral("System default"), QStringLiteral("English"),
                                   QStringLiteral("Deutsch"), QStringLiteral("Ελληνικά")}));
    QCOMPARE(mrti::ui::languageSetting(), QStringLiteral("el"));
    QVERIFY2(w.messageText().contains(QLatin1String("next time")), qPrintable(w.messageText()));
    // The running window keeps its language until the next start.
    QVERIFY(menuTitles(w).contains(QStringLiteral("&File")));
  }

  void tsFilesAreComplete_data() {
    QTest::addColumn<QString>("path");
    const QDir dir(QStringLiteral(MRTI_SOURCE_DIR "/translations"));
    const auto files = dir.entryList({QStringLiteral("*.ts")}, QDir::Files);
    QVERIFY(files.contains(QStringLiteral("mrti_de.ts")));
    QVERIFY(files.contains(QStringLiteral("mrti_el.ts")));
    for (const auto& f : files) QTest::newRow(qPrintable(f)) << dir.filePath(f);
  }
  void tsFilesAreComplete() {
    QFETCH(QString, path);
    const TsCount count = scanTs(path);
    QVERIFY2(count.problems.isEmpty(), qPrintable(QStringLiteral("%1 entries are not translated: %2")
                                                      .arg(count.problems.size())
                                                      .arg(count.problems.mid(0, 20).join(QLatin1String("; ")))));
    QVERIFY2(count.messages > 50, qPrintable(QStringLiteral("only %1 messages").arg(count.messages)));
  }
};

int main(int argc, char** argv) {
  // A German session: Qt reads the system's languages from these variables.
  qputenv("LANG", "de_DE.UTF-8");
  qunsetenv("LANGUAGE");
  qunsetenv("LC_ALL");
  qunsetenv("LC_MESSAGES");
  QApplication app(argc, argv);
  TestGuiTranslations test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}

#include "test_gui_translations.moc"
