import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContextBeta1 } from 'aws-cdk-lib';
import { GUARD_BASELINE, type GuardAcceptance } from './guard-baseline';
import { synthSightline } from './synth';

/**
 * CDK policy validation with cfn-guard: AWS Control Tower's proactive controls over the
 * synthesized template. Every violation must be accepted, with its reason, in guard-baseline.ts.
 * cfn-guard runs as the package's own binary, offline; over the whole template it takes tens of
 * seconds, so the file runs it once.
 */

interface Finding {
  rule: string;
  id: string;
  type: string;
}

let findings: Finding[];

beforeAll(() => {
  // GIVEN the stack's template
  const { app, stack, template } = synthSightline();
  const path = app.synth().getStackArtifact(stack.artifactId).templateFullPath;
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  // WHEN every Control Tower rule is checked against it
  const report = new CfnGuardValidator({ maxBuffer: 256 * 1024 * 1024 }).validate({
    templatePaths: [path],
  } as IPolicyValidationContextBeta1);
  findings = report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      id: r.resourceLogicalId,
      type: resources[r.resourceLogicalId]?.Type ?? 'unknown',
    })),
  );
}, 300_000);

const covers = (a: GuardAcceptance, f: Finding) =>
  a.rule === f.rule && ('type' in a.where ? a.where.type === f.type : a.where.id.test(f.id));

test('cfn-guard ran and found what the baseline expects', () => {
  expect(findings.length).toBeGreaterThan(0);
});

test('every violation is accepted in the baseline, with a reason', () => {
  // THEN nothing fails outside the baseline
  const unaccepted = findings
    .filter((f) => !GUARD_BASELINE.some((a) => covers(a, f)))
    .map((f) => `${f.rule}: ${f.id} (${f.type})`);
  expect(unaccepted).toEqual([]);
  for (const a of GUARD_BASELINE) expect(a.reason.length).toBeGreaterThan(40);
});

test('every baseline entry still matches a violation', () => {
  const stale = GUARD_BASELINE.filter((a) => !findings.some((f) => covers(a, f))).map(
    (a) => `${a.rule} (${JSON.stringify('type' in a.where ? a.where.type : String(a.where.id))})`,
  );
  expect(stale).toEqual([]);
});
