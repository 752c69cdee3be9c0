#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QPointer>
#include <QSettings>
#include <QTranslator>

namespace mrti::ui {

namespace {

const QString kSettingsKey = QStringLiteral("ui/language");

// Translators installed by installTranslations(), removed by the next call. The application
// owns them, so they go with it.
QList<QPointer<QTranslator>>& installed() {
  static QList<QPointer<QTranslator>> translators;
  return translators;
}

bool offered(const QString& code) {
  for (const auto& l : availableLanguages())
    if (l.code == code) return true;
  return false;
}

}  // namespace

QList<Language> availableLanguages() {
  return {{QString(), QCoreApplication::translate("mrti::ui::Language", "System default")},
          {QStringLiteral("en"), QStringLiteral("English")},
          {QStringLiteral("de"), QStringLiteral("Deutsch")},
          {QStringLiteral("el"), QStringLiteral("Ελληνικά")}};
}

QString languageSetting() {
  const QString code = QSettings().value(kSettingsKey).toString();
  return offered(code) ? code : QString();
}

void setLanguageSetting(const QString& code) {
  QSettings s;
  if (code.isEmpty() || !offered(code)) s.remove(kSettingsKey);
  else s.setValue(kSettingsKey, code);
}

QString installTranslations(const QString& code) {
  for (const auto& t : installed()) {
    if (!t) continue;
    QCoreApplication::removeTranslator(t);
    delete t;
  }
  installed().clear();

  const QStringList wanted = code.isEmpty() || !offered(code) ? QLocale().uiLanguages() : QStringList{code};
  for (QString lang : wanted) {
    lang.replace(QLatin1Char('-'), QLatin1Char('_'));
    // The messages are written in English: an English preference ends the search.
    if (lang == QLatin1String("C") || lang == QLatin1String("en") || lang.startsWith(QLatin1String("en_"))) break;
    auto* app = new QTranslator(QCoreApplication::instance());
    // load() falls back from mrti_de_DE to mrti_de by itself.
    if (!app->load(QStringLiteral("mrti_") + lang, QStringLiteral(":/i18n"))) {
      delete app;
      continue;
    }
    QCoreApplication::installTranslator(app);
    installed().append(app);
    auto* qt = new QTranslator(QCoreApplication::instance());
    if (qt->load(QStringLiteral("qtbase_") + lang, QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
      QCoreApplication::installTranslator(qt);
      installed().append(qt);
    } else {
      delete qt;
    }
    return app->language().section(QLatin1Char('_'), 0, 0);
  }
  return QStringLiteral("en");
}

}  // namespace mrti::ui
