"""An order workflow written in Amazon States Language, run durably on podium.

Run: python examples/asl_order.py
"""

import tempfile

import podium
from podium.asl import TaskError

DEFINITION = {
    "Comment": "Charge, wait, then classify the order",
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "Parameters": {"amount.$": "$.amount", "order.$": "$.order"},
            "ResultPath": "$.payment",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
            "Next": "Settle",
        },
        "Settle": {"Type": "Wait", "Seconds": 1, "Next": "Size"},
        "Size": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Big"}],
            "Default": "Done",
        },
        "Big": {
            "Type": "Pass",
            "Parameters": {"note.$": "States.Format('order {} is big', $.order)"},
            "ResultPath": "$.review",
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Failed": {
            "Type": "Fail",
            "Error": "PaymentFailed",
            "Cause": "the charge did not go through",
        },
    },
}


def charge(payload):
    if payload["amount"] <= 0:
        raise TaskError("Invalid", "amount must be positive")
    return {"charged": payload["amount"]}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = podium.App("asl-example", database_url=f"sqlite:///{folder}/asl.db")
        with app:
            wf = app.asl_workflow(
                "order",
                DEFINITION,
                {"arn:aws:lambda:us-east-1:123456789012:function:charge": charge},
            )
            print(app.run(wf, {"order": 7, "amount": 150}))
            try:
                app.run(wf, {"order": 8, "amount": 0})
            except podium.WorkflowFailed as exc:
                print(exc.error_type, "-", exc.message)


if __name__ == "__main__":
    main()
