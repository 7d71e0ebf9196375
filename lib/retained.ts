import { CfnDeletionPolicy, CfnResource, type Stack } from 'aws-cdk-lib';

/** Notes on resources kept on purpose, by construct path ending. */
const WHY: Readonly<Record<string, string>> = {
  'RestApi/CloudWatchRole':
    "the API Gateway account's CloudWatch Logs role, a region-wide setting every REST API of the account shares",
};

/**
 * What `cdk destroy` leaves behind: every resource of the stack whose deletion policy is Retain,
 * read from the constructs themselves so the list cannot drift from the template. Types with many
 * resources (log groups when data is retained) are counted rather than listed.
 */
export function retainedResources(stack: Stack): string[] {
  const byType = new Map<string, string[]>();
  for (const node of stack.node.findAll()) {
    if (!(node instanceof CfnResource)) continue;
    if (node.cfnOptions.deletionPolicy !== CfnDeletionPolicy.RETAIN) continue;
    const path = node.node.path.slice(stack.node.path.length + 1).replace(/\/(Resource|Default)$/, '');
    const why = Object.entries(WHY).find(([end]) => path.endsWith(end))?.[1];
    const list = byType.get(node.cfnResourceType) ?? [];
    list.push(why ? `${path} (${why})` : path);
    byType.set(node.cfnResourceType, list);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, paths]) =>
      paths.length > 3 ? `${paths.length} × ${type}` : `${type}: ${paths.join(', ')}`,
    );
}
