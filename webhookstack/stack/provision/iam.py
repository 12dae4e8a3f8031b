"""The function's execution role and its inline policy."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from webhookstack.stack.provision.base import Steps, error_code


class RoleSteps(Steps):
    def ensure_role(self) -> str:
        f = self.stack.function
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        try:
            arn = self.iam.get_role(RoleName=f.role_name)["Role"]["Arn"]
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise
            arn = self.iam.create_role(RoleName=f.role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            self._changed(f"role {f.role_name}", "created")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
                    "Resource": [
                        f"arn:aws:dynamodb:*:*:table/{self.stack.table.name}",
                        f"arn:aws:dynamodb:*:*:table/{self.stack.table.name}/index/*",
                    ],
                },
            ],
        }
        secret_arn = self.stack.function_environment(local=self.target.is_local).get("TWITCH_WEBHOOK_SECRET_ARN")
        if secret_arn:
            # The handler reads its webhook secret at cold start (handler/receiver/config.py).
            policy["Statement"].append(
                {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [secret_arn]}
            )
        try:
            current = self.iam.get_role_policy(RoleName=f.role_name, PolicyName="webhookstack")["PolicyDocument"]
            if isinstance(current, str):
                current = json.loads(current)
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise
            current = None
        if current != policy:
            self.iam.put_role_policy(RoleName=f.role_name, PolicyName="webhookstack", PolicyDocument=json.dumps(policy))
            self._changed(f"role {f.role_name} policy", "updated" if current else "created")
        return arn
