import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, FIXTURES, REPO } from "./paths";

export const SAMPLE_CSV = "analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\nmch,24.1,pg\nrdw_cv,16.2,%\n";

/** Sample uploads, made fresh for each run. The PDF is rendered by reportlab through the project's own
 * Python environment, so it has a real text layer like a laboratory portal's PDF. */
export default function globalSetup(): void {
  rmSync(FIXTURES, { recursive: true, force: true });
  mkdirSync(FIXTURES, { recursive: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(FIXTURES, "cbc.csv"), SAMPLE_CSV);
  writeFileSync(join(FIXTURES, "cbc-no-person.csv"), "analyte,value,unit\nhemoglobin,13.9,g/dL\nmcv,88,fL\nferritin,45,ug/L\n");
  writeFileSync(join(FIXTURES, "notes.txt"), "not a lab report\n");
  // Named .pdf but not a PDF: passes the browser's check, so the server's content sniffing answers 415.
  writeFileSync(join(FIXTURES, "disguised.pdf"), Buffer.from("MZ\x90\x00 this is not a document at all".repeat(20)));
  const [uv, ...uvArgs] = (process.env.UV || "uv").split(/\s+/).filter(Boolean) as [string, ...string[]];
  execFileSync(uv, [...uvArgs, "run", "python", "web/e2e/make_report_pdf.py", join(FIXTURES, "cbc.pdf")], {
    cwd: REPO,
    stdio: "inherit",
  });
  execFileSync(
    uv,
    [...uvArgs, "run", "python", "web/e2e/make_report_pdf.py", join(FIXTURES, "unreadable.pdf"), "--no-values"],
    { cwd: REPO, stdio: "inherit" },
  );
}
