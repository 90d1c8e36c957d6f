import { familyOf, OWNER_TAG } from "../compile/ecs/names.js";
import { compileMesh } from "../compile/mesh.js";
import type { ManifestSet } from "../specs/manifest-set.js";
import type { Mesh } from "../specs/mesh.js";
import { controllerRoles, effectiveSettings, isControllerService, ownerId } from "../specs/resolve.js";
import type { Service } from "../specs/service.js";

type ConditionValues = Record<string, string | string[]>;

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, ConditionValues>;
}

export interface IamPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: IamStatement[];
}

/**
 * Partition and account for ARNs, taken from the IAM roles the manifests name (ECS tasks only
 * take roles of their own account); "*" when they name none or several.
 */
function accountOf(roles: readonly string[]): { partition: string; account: string } {
  // arn:<partition>:iam::<account>:role/<name>
  const found = new Set(
    roles.map((arn) => arn.split(":")).map(([, partition, , , account]) => `${partition}:${account}`),
  );
  const [only] = found;
  if (found.size !== 1 || only === undefined) return { partition: "aws", account: "*" };
  const [partition = "aws", account = "*"] = only.split(":");
  return { partition, account };
}

/** The task and execution roles the services' task definitions name, each once, sorted. */
function rolesOf(services: readonly Service[], mesh: Mesh): string[] {
  const roles = services.flatMap((s) => [s.spec.taskRoleArn, effectiveSettings(s, mesh).executionRoleArn]);
  return [...new Set(roles.filter((arn): arn is string => arn !== undefined))].sort();
}

function statement(
  Sid: string,
  Action: string[],
  Resource: string | string[],
  Condition?: Record<string, ConditionValues>,
): IamStatement {
  return { Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) };
}

/**
 * The least-privilege policy for the controller's task role over one manifest set: exactly the
 * calls `src/controllers` makes, scoped to the Mesh's cluster and owner tag wherever the Service
 * Authorization Reference lets a condition or resource ARN narrow the action.
 */
export function controllerPolicy(set: ManifestSet): IamPolicy {
  const mesh = set.mesh.manifest;
  const services = set.services.map((s) => s.manifest);
  // Every ECS service the controller runs: the manifests' and the generated ones (daemon, monitoring).
  const running = compileMesh(set).services.map((service) => service.manifest);
  const controller = services.find(isControllerService);
  const ownRoles = controller ? [...controllerRoles(controller, mesh).keys()].sort() : [];
  const serviceRoles = rolesOf(
    running.filter((s) => s !== controller),
    mesh,
  );
  const { partition, account } = accountOf([...ownRoles, ...serviceRoles]);
  const { cluster, region } = mesh.spec.ecs;
  const ecsArn = (resource: string) => `arn:${partition}:ecs:${region}:${account}:${resource}`;
  const clusterArn = ecsArn(`cluster/${cluster}`);
  const serviceArns = ecsArn(`service/${cluster}/*`);
  // The exact families, every revision: a prefix like `<mesh>-*` would also match the families of
  // a mesh named `<mesh>-x`. A Service added later needs the policy derived again.
  const familyArns = running.map((service) => ecsArn(`task-definition/${familyOf(mesh, service)}:*`)).sort();
  const owner = ownerId(mesh);
  const inCluster = { ArnEquals: { "ecs:cluster": clusterArn } };
  const requestTag = { [`aws:RequestTag/${OWNER_TAG}`]: owner };

  const statements = [
    statement(
      "EcsReadCluster",
      ["ecs:DescribeContainerInstances", "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks"],
      "*",
      inCluster,
    ),
    // The Service Authorization Reference lists no resource type and no condition key for these
    // (RegisterTaskDefinition has task-definition*): only "*" works, and nothing narrows it.
    // ListTaskDefinitions finds a revision a writer registered and was killed before recording.
    statement(
      "EcsTaskDefinitionsAnyResource",
      ["ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"],
      "*",
    ),
    statement("EcsRegisterOwnFamilies", ["ecs:RegisterTaskDefinition"], familyArns, {
      StringEquals: requestTag,
    }),
    statement("EcsCreateOwnServices", ["ecs:CreateService"], serviceArns, {
      ...inCluster,
      StringEquals: requestTag,
    }),
    statement("EcsChangeOwnServices", ["ecs:DeleteService", "ecs:UpdateService"], serviceArns, {
      ...inCluster,
      StringEquals: { [`aws:ResourceTag/${OWNER_TAG}`]: owner },
    }),
    // Tags given to CreateService and RegisterTaskDefinition need TagResource; nothing else may tag.
    statement("EcsTagOnCreate", ["ecs:TagResource"], [serviceArns, ...familyArns], {
      StringEquals: { "ecs:CreateAction": ["CreateService", "RegisterTaskDefinition"], ...requestTag },
    }),
    statement("Ec2InstanceAddresses", ["ec2:DescribeInstances"], "*"),
  ];
  // PassRole cannot tell which task definition a role goes into, so the two statements allow the
  // same thing; they are apart to show that the controller's roles are passed for its own Service
  // only, which validation guarantees (no other Service or Mesh default may name them).
  const toEcsTasks = { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } };
  if (ownRoles.length > 0) statements.push(statement("PassOwnRoles", ["iam:PassRole"], ownRoles, toEcsTasks));
  if (serviceRoles.length > 0) {
    statements.push(statement("PassServiceRoles", ["iam:PassRole"], serviceRoles, toEcsTasks));
  }
  // Mirrors reconcileCloudMap: Cloud Map is only called when a Service asks for it.
  const cloudMap = mesh.spec.cloudMap;
  if (cloudMap && services.some((s) => s.spec.discovery.cloudMap)) {
    const dns = cloudMap.type === "DNS_PRIVATE";
    statements.push(
      statement(
        "CloudMapRead",
        ["servicediscovery:GetOperation", "servicediscovery:ListNamespaces", "servicediscovery:ListServices"],
        "*",
      ),
      statement(
        "CloudMapCreateTagged",
        [
          dns ? "servicediscovery:CreatePrivateDnsNamespace" : "servicediscovery:CreateHttpNamespace",
          "servicediscovery:CreateService",
          "servicediscovery:TagResource",
        ],
        "*",
        { StringEquals: requestTag },
      ),
    );
    if (dns) {
      // What Cloud Map's API permissions reference lists for CreatePrivateDnsNamespace besides itself.
      statements.push(
        statement(
          "CloudMapPrivateDnsZone",
          [
            "ec2:DescribeRegions",
            "ec2:DescribeVpcs",
            "route53:CreateHostedZone",
            "route53:GetHostedZone",
            "route53:ListHostedZonesByName",
          ],
          "*",
        ),
      );
    }
  }
  return { Version: "2012-10-17", Statement: statements };
}
