//! Powering a recovered VM on: the "moved or copied" question it may ask, answered, and the
//! wait until it runs.

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use vsphere_client::Client;
use vsphere_client::object::VirtualMachine;
use vsphere_client::property::retrieve_one;
use vsphere_client::types::{Object, TaskInfoState, Value, VirtualMachinePowerState};

use super::STEP_TIMEOUT;
use crate::error::Error;

/// How often the power-on is looked at.
const POLL: Duration = Duration::from_millis(500);

/// The answer to the question a VM registered from files asks at power-on: were they moved
/// or copied? (A copy gets a new UUID and MAC addresses.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// "I moved it": the recovered VM replaces the lost one (same identity).
    #[default]
    Moved,
    /// "I copied it": the recovered VM runs beside the original (new identity).
    Copied,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Answer::Moved => "moved",
            Answer::Copied => "copied",
        })
    }
}

/// Powers `vm` on, answering its question with `answer` if it asks one (`AnswerVM`), and
/// waits until it runs; returns the answer given, if any.
///
/// # Errors
/// The calls' [`Error::Vsphere`]; [`Error::Verify`] when the question offers no such answer
/// or the VM does not run in time.
pub(crate) async fn power_on(
    client: &Client,
    vm: &VirtualMachine,
    answer: Answer,
) -> Result<Option<Answer>, Error> {
    let task = vm.power_on(None).await?;
    let started = Instant::now();
    let mut answered = None;
    loop {
        let props = retrieve_one(
            client,
            vm.moref(),
            &["runtime.question", "runtime.powerState"],
        )
        .await?;
        if let Some(Value::Object(question)) = props.value("runtime.question")?.cloned() {
            let id = text(&question, "id").unwrap_or_default().to_owned();
            let choice = choice_for(&question, answer).ok_or_else(|| {
                Error::Verify(format!(
                    "the VM asks \"{}\", which offers no \"{answer}\" answer: answer it in the \
                     host client",
                    text(&question, "text").unwrap_or_default()
                ))
            })?;
            client
                .invoke(
                    "AnswerVM",
                    vm.moref(),
                    &[
                        ("questionId", Value::String(id)),
                        ("answerChoice", Value::String(choice)),
                    ],
                )
                .await?;
            answered = Some(answer);
        }
        let power: Option<VirtualMachinePowerState> = props.get("runtime.powerState")?;
        let state = task.info().await?.state;
        match state {
            TaskInfoState::Error => {
                task.wait(STEP_TIMEOUT, |_| {}).await?;
            }
            TaskInfoState::Success if power == Some(VirtualMachinePowerState::PoweredOn) => {
                return Ok(answered);
            }
            _ => {}
        }
        if started.elapsed() > STEP_TIMEOUT {
            return Err(Error::Verify(format!(
                "the VM did not run within {} s of its power-on",
                STEP_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn text<'a>(object: &'a Object, field: &str) -> Option<&'a str> {
    object.get(field).and_then(Value::as_str)
}

/// The key of the choice of `question` that means `answer`: the one whose label, summary or
/// key says "moved" ("I Moved It", `button.uuid.movedTheVM`) or "copied".
fn choice_for(question: &Object, answer: Answer) -> Option<String> {
    let word = answer.to_string();
    let Some(Value::Object(choice)) = question.get("choice") else {
        return None;
    };
    choice.get_all("choiceInfo").find_map(|info| {
        let Value::Object(info) = info else {
            return None;
        };
        let says = ["label", "summary", "key"]
            .iter()
            .filter_map(|field| text(info, field))
            .any(|said| said.to_ascii_lowercase().contains(&word));
        says.then(|| text(info, "key").unwrap_or_default().to_owned())
    })
}
