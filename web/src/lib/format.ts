export function formatBytes(bytes: number, lang: "en" | "ru"): string {
  const units = lang === "ru" ? ["Б", "КБ", "МБ"] : ["B", "KB", "MB"];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  const digits = index === 0 ? 0 : 1;
  return `${value.toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", { maximumFractionDigits: digits })} ${units[index]}`;
}

/** Age in whole years on a given day, from an ISO birth date. */
export function ageOn(birthDate: string, day: Date = new Date()): number | null {
  const birth = new Date(`${birthDate}T12:00:00`);
  if (Number.isNaN(birth.getTime())) return null;
  let years = day.getFullYear() - birth.getFullYear();
  const beforeBirthday =
    day.getMonth() < birth.getMonth() || (day.getMonth() === birth.getMonth() && day.getDate() < birth.getDate());
  if (beforeBirthday) years -= 1;
  return years;
}

/** A decimal typed with a comma (common in Russian) or a dot; null when it is not a number. */
export function parseDecimal(text: string): number | null {
  const cleaned = text.trim().replace(/\s/g, "").replace(",", ".");
  if (cleaned === "") return null;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : null;
}
