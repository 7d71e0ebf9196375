import type { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../../lib/config';
import { missingServices, supportedRegions } from '../../../lib/regions';
import { synthSightline } from './synth';

const minimal = { stage: 'prod', logRetentionDays: 90, alarmEmail: null };

describe('region check', () => {
  test.each([
    ['af-south-1', /af-south-1 lacks AWS IoT fleet provisioning/],
    ['ap-east-1', /ap-east-1 lacks AWS End User Messaging SMS/],
    ['ap-southeast-5', /ap-southeast-5 lacks AWS End User Messaging SMS/],
    ['eu-north-1', /eu-north-1 lacks Kinesis Video Streams WebRTC signaling/],
  ])('the configuration refuses %s, naming what it lacks and where Sightline runs', (region, lacks) => {
    // WHEN a configuration names a region missing a service the stack needs
    const attempt = () => parseConfig({ ...minimal, region });
    // THEN it fails with what is missing and the list of regions that have everything
    expect(attempt).toThrow(lacks);
    expect(attempt).toThrow(/Sightline runs in: us-east-1, us-east-2, us-west-2, .*eu-west-1/);
  });

  test('synth of the stack itself refuses an unsupported region', () => {
    // GIVEN a configuration that did not come through parseConfig
    // WHEN the stack is made for af-south-1 / THEN it throws with the message
    expect(() => synthSightline({ config: { region: 'af-south-1' } })).toThrow(
      /Cannot synthesize Sightline: "region" af-south-1 lacks .*Sightline runs in: /,
    );
  });

  test('every supported region has every service', () => {
    expect(supportedRegions()).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2']));
    for (const region of supportedRegions()) expect(missingServices(region)).toEqual([]);
  });
});

describe('two regions of one stage', () => {
  /** The account-wide CloudFront names of a template, by type. */
  function cloudFrontNames(template: Template): Record<string, string[]> {
    const named: Record<string, (p: Record<string, { Name: string }>) => string> = {
      'AWS::CloudFront::ResponseHeadersPolicy': (p) => p.ResponseHeadersPolicyConfig!.Name,
      'AWS::CloudFront::OriginAccessControl': (p) => p.OriginAccessControlConfig!.Name,
      'AWS::CloudFront::Function': (p) => p.Name as unknown as string,
    };
    return Object.fromEntries(
      Object.entries(named).map(([type, name]) => [
        type,
        Object.values(template.findResources(type)).map((r) => name(r.Properties)),
      ]),
    );
  }

  test('get distinct CloudFront names, each naming its region', () => {
    // GIVEN the same stage synthesized for two regions
    const east = cloudFrontNames(synthSightline({ config: { region: 'us-east-1' } }).template);
    const west = cloudFrontNames(synthSightline({ config: { region: 'eu-west-1' } }).template);
    // THEN no account-wide name is shared, and each is the stack's and the region's
    for (const type of Object.keys(east)) {
      expect(east[type]!.length).toBeGreaterThan(0);
      expect(east[type]!.filter((n) => west[type]!.includes(n))).toEqual([]);
      for (const name of east[type]!) expect(name).toMatch(/us-east-1/);
      for (const name of west[type]!) expect(name).toMatch(/eu-west-1/);
    }
  });
});
