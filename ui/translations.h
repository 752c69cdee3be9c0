#pragma once
// The interface language: the choice kept in the settings and the translators that apply it.
// Qt widgets take their texts when they are built, so a new choice applies on the next start.
#include <QList>
#include <QString>

namespace mrti::ui {

struct Language {
  QString code;  // "" follows the system, else an ISO 639 code: "en", "de", "el"
  QString name;  // as the settings dialog shows it, in the language itself
};

// The choices of the settings dialog, "System default" first.
QList<Language> availableLanguages();

// The stored choice: "" when none is stored or it is not one of availableLanguages().
QString languageSetting();
void setLanguageSetting(const QString& code);

// Installs on the application the translators for `code`, replacing those an earlier call
// installed: the app's messages (:/i18n/mrti_<lang>.qm) and Qt's own (qtbase_<lang>.qm from
// Qt's translations folder, when present), so standard dialogs and buttons follow. "" takes
// the system's preferred languages (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) in order; the first
// that is English or has a translation wins. Returns the language in effect: "en", "de", "el".
QString installTranslations(const QString& code);
inline QString installTranslations() { return installTranslations(languageSetting()); }

}  // namespace mrti::ui
