"""Words shown to people with a result, in English and Russian. Never a diagnosis."""

from __future__ import annotations

from verae.risk.schemas import LocalizedText, RiskTier

DISCLAIMER = LocalizedText(
    en=(
        "This is an automated estimate, not a diagnosis. It does not replace a doctor, who will consider "
        "your symptoms, history and further tests."
    ),
    ru=(
        "Это автоматическая оценка, а не диагноз. Она не заменяет врача, который учтёт ваши симптомы, "
        "историю болезни и дополнительные анализы."
    ),
)

CLINICAL_ACTIONS: dict[RiskTier, LocalizedText] = {
    "HIGH": LocalizedText(
        en="Iron deficiency is likely. Discuss a ferritin test and these results with your doctor soon.",
        ru="Дефицит железа вероятен. Обсудите с врачом анализ на ферритин и эти результаты в ближайшее время.",
    ),
    "WARNING": LocalizedText(
        en="Iron deficiency is possible. Consider asking your doctor about a ferritin test.",
        ru="Дефицит железа возможен. Спросите врача, нужен ли вам анализ на ферритин.",
    ),
    "GRAY": LocalizedText(
        en=(
            "The estimate is borderline. If you feel tired or short of breath, a ferritin test "
            "ordered by your doctor can settle it."
        ),
        ru=(
            "Оценка пограничная. Если вы чувствуете усталость или одышку, анализ на ферритин "
            "по назначению врача поможет внести ясность."
        ),
    ),
    "LOW": LocalizedText(
        en="These values show no sign of iron deficiency. No action is needed unless you have symptoms.",
        ru="Эти показатели не указывают на дефицит железа. Если нет жалоб, действий не требуется.",
    ),
}

MEASURED_DEFICIENT_ACTION = LocalizedText(
    en="Your measured ferritin indicates low iron stores. Discuss treatment and its cause with your doctor.",
    ru="Измеренный ферритин указывает на низкие запасы железа. Обсудите с врачом лечение и его причину.",
)

# Children 1-5: the blood count ranks their ferritin only a little better than chance, whatever the model
# (docs/decisions/0009: the best of every score tried reached a cross-validated AUROC of 0.69)
WEAK_SIGNAL_AGE_NOTE = LocalizedText(
    en=(
        "At ages 1 to 5 a blood count says little about iron stores: in the data the model learnt from, it tells "
        "young children with low iron from the others only a little better than chance. Take this estimate as "
        "a weak signal; a ferritin test, if the child's doctor thinks it is needed, gives the answer."
    ),
    ru=(
        "В возрасте от 1 до 5 лет общий анализ крови мало говорит о запасах железа: на данных, на которых "
        "обучена модель, он отличает маленьких детей с низким железом от остальных лишь немногим лучше "
        "случайного угадывания. Считайте эту оценку слабым сигналом; ответ даст анализ на ферритин, если "
        "врач ребёнка сочтёт его нужным."
    ),
)
