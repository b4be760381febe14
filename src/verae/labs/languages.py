"""Which language a page is printed in, from the words on it: tells the OCR which Tesseract model reads
the page best, and the person reader whether slash dates are month-first."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def _keywords(words: str) -> frozenset[str]:
    """A language's words, each also as `rus+eng` reads a Ukrainian one: without the "і" Russian lacks and
    drops ("залзо" for "залізо")."""
    return frozenset(form for word in words.split() for form in (word, word.replace("і", "")))


# Words that give a page's language away (headers, analyte names, field labels), accents folded. A page
# in one of these languages is read again with its own Tesseract model: "rus+eng" reads Turkish "SONUÇ"
# or French "Hématies" as a mix of scripts, and Ukrainian "Гемоглобін" as "Temorno6in".
_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    language: _keywords(words)
    for language, words in {
        "fra": "resultat resultats unite unites valeurs reference references hematies leucocytes plaquettes "
        "hemoglobine hematocrite anteriorites preleve prelevement numeration globulaire vgm tcmh ccmh biologie "
        "sexe",
        "spa": "resultado resultados unidades valores referencia hematies leucocitos plaquetas hemoglobina "
        "hematocrito fecha paciente hemograma recuento hierro prueba edad",
        "por": "resultado resultados unidade unidades valores referencia eritrocitos hemacias leucocitos "
        "plaquetas hemoglobina hematocrito coleta paciente hemograma ferro exame idade",
        "deu": "ergebnis einheit referenzbereich normbereich erythrozyten leukozyten thrombozyten hamoglobin "
        "hamatokrit befund vorwert blutbild eisen untersuchung geschlecht alter entnahme",
        "ita": "risultato risultati unita valori riferimento globuli rossi bianchi piastrine emoglobina "
        "ematocrito esame emocromocitometrico referto sideremia precedente sesso prelievo analisi",
        "tur": "sonuc birim referans araligi hemogram raporu tarihi lokosit trombosit eritrosit testler "
        "protokol numune ornek cinsiyet yas onceki",
        "ukr": "результати стать еритроцити лейкоцити тромбоцити трансферин феритин значення насичення "
        "сироватки взяття дослідження виміру референтні залізо загальна середня жіноча чоловіча розподілу",
    }.items()
}
# Portuguese and Spanish share most lab words; these tell them apart.
_ONLY = {
    "por": frozenset({"unidade", "coleta", "hemacias", "ferro", "exame", "idade"}),
    "spa": frozenset({"fecha", "hematies", "hierro", "prueba", "edad"}),
}


UKRAINIAN = "ukr"


def fold(text: str) -> str:
    """Lower case letters only, accents dropped: "SONUÇ" and "sonuc" are one word."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("ı", "i"))
    return "".join(char for char in folded if char.isalpha() and not unicodedata.combining(char))


def page_language(words: Iterable[str]) -> str | None:
    """The Tesseract model for a page whose words are French, Spanish, Portuguese, German, Italian, Turkish
    or Ukrainian, or None for English, Russian and pages that do not tell. A language needs two of its words
    on the page and more than any other language."""
    folded = {fold(word) for word in words}
    hits = {language: len(folded & keywords) for language, keywords in _LANGUAGE_WORDS.items()}
    for language, only in _ONLY.items():
        hits[language] += len(folded & only)
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    best, count = ranked[0]
    if count < 2 or ranked[1][1] == count:
        return None
    return best


# Below this share of Cyrillic letters a page is in Latin script: OCR noise and a stray Russian word on
# an English page stay far under it, a Russian page (Latin abbreviations and units beside Cyrillic names)
# far above.
_LATIN_PAGE_CYRILLIC_SHARE = 0.1


def cyrillic_on_latin_page(words: Iterable[str]) -> bool:
    """Whether a page in Latin script has words read wholly as Cyrillic letters: `rus+eng` reads some
    short English words as their Cyrillic look-alikes ("Iron" as "гоп"), which no label matches."""
    latin = cyrillic = 0
    misread = False
    for word in words:
        letters = [char for char in word if char.isalpha()]
        in_cyrillic = sum(_is_cyrillic(char) for char in letters)
        cyrillic += in_cyrillic
        latin += len(letters) - in_cyrillic
        misread = misread or read_as_cyrillic(word)
    return misread and cyrillic < _LATIN_PAGE_CYRILLIC_SHARE * (latin + cyrillic)


def cyrillic_page(words: Iterable[str]) -> bool:
    """Whether most of a page's letters are Cyrillic (a Russian page, its Latin abbreviations and units
    a minority)."""
    letters = [char for word in words for char in word if char.isalpha()]
    return sum(_is_cyrillic(char) for char in letters) > 0.5 * len(letters)


def read_as_cyrillic(word: str) -> bool:
    """A word of three letters or more, all of them Cyrillic."""
    letters = [char for char in word if char.isalpha()]
    return len(letters) >= 3 and all(_is_cyrillic(char) for char in letters)


def read_as_latin(word: str) -> bool:
    """A word of five letters or more, all of them Latin, not all capitals: on a Russian page, a Russian
    word read in Latin look-alikes ("Tpombouutos" for "Тромбоцитов"); the page's Latin abbreviations
    are capitals and its units shorter."""
    letters = [char for char in word if char.isalpha()]
    return (
        len(letters) >= 5
        and all(char.isascii() for char in letters)
        and not all(char.isupper() for char in letters)
    )


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"
