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
        let state: TaskInfoState = retrieve_one(client, task.moref(), &["info.state"])
            .await?
            .require("info.state")?;
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

#[cfg(test)]
mod tests {
    //! The question and its answer against a local HTTP stub serving the captured shape of a
    //! real host's `runtime.question` (the simulator never asks one).

    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use vsphere_client::transport::ProxyPolicy;
    use vsphere_client::types::ManagedObjectReference;
    use vsphere_client::{Client, ClientConfig};

    use super::*;

    /// `runtime.question` as an ESXi host sets it on a VM registered from copied files.
    const QUESTION: &str = r#"<propSet><name>runtime.question</name><val xsi:type="VirtualMachineQuestionInfo"><id>_vmx1</id><text>This virtual machine might have been moved or copied.&#10;In order to configure certain management and networking features, VMware ESX needs to know if this virtual machine was moved or copied.&#10;&#10;If you don't know, answer "I Copied It".&#10;</text><choice><label>Cancel</label><summary>Cancel</summary><choiceInfo xsi:type="ElementDescription"><label>Cancel</label><summary>Cancel</summary><key>0</key></choiceInfo><choiceInfo xsi:type="ElementDescription"><label>I _Moved It</label><summary>I _Moved It</summary><key>1</key></choiceInfo><choiceInfo xsi:type="ElementDescription"><label>I _Copied It</label><summary>I _Copied It</summary><key>2</key></choiceInfo><defaultIndex>2</defaultIndex></choice><message><id>msg.uuid.altered</id><text>This virtual machine might have been moved or copied.</text></message></val></propSet>"#;

    fn envelope(method: &str, content: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><{method}Response xmlns="urn:vim25">{content}</{method}Response></soapenv:Body></soapenv:Envelope>"#
        )
    }

    /// The stub's answer to `request`: the VM asks until answered, then runs.
    fn reply(request: &str, answers: &Mutex<Vec<String>>) -> String {
        let answered = !answers.lock().unwrap().is_empty();
        if request.contains("<RetrieveServiceContent") {
            return envelope(
                "RetrieveServiceContent",
                r#"<returnval><rootFolder type="Folder">ha-folder-root</rootFolder><propertyCollector type="PropertyCollector">ha-property-collector</propertyCollector><about><name>VMware ESXi</name><fullName>VMware ESXi 8.0.3</fullName><vendor>VMware, Inc.</vendor><version>8.0.3</version><build>1</build><osType>vmnix-x86</osType><productLineId>embeddedEsx</productLineId><apiType>HostAgent</apiType><apiVersion>8.0.3.0</apiVersion></about></returnval>"#,
            );
        }
        if request.contains("<PowerOnVM_Task") {
            return envelope(
                "PowerOnVM_Task",
                r#"<returnval type="Task">haTask-1</returnval>"#,
            );
        }
        if request.contains("<AnswerVM") {
            answers.lock().unwrap().push(request.to_owned());
            return envelope("AnswerVM", "");
        }
        let object = if request.contains(r#"type="Task""#) {
            let state = if answered { "success" } else { "running" };
            format!(
                r#"<objects><obj type="Task">haTask-1</obj><propSet><name>info.state</name><val xsi:type="TaskInfoState">{state}</val></propSet></objects>"#
            )
        } else {
            let (power, question) = if answered {
                ("poweredOn", "")
            } else {
                ("poweredOff", QUESTION)
            };
            format!(
                r#"<objects><obj type="VirtualMachine">1</obj><propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">{power}</val></propSet>{question}</objects>"#
            )
        };
        envelope(
            "RetrievePropertiesEx",
            &format!("<returnval>{object}</returnval>"),
        )
    }

    /// Serves [`reply`] on a loopback port; returns its URL and the `AnswerVM` requests.
    async fn stub() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sdk", listener.local_addr().unwrap());
        let answers = Arc::new(Mutex::new(Vec::new()));
        let seen = answers.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answers = seen.clone();
                tokio::spawn(async move {
                    loop {
                        let mut request = Vec::new();
                        let mut buffer = [0u8; 8192];
                        let body = loop {
                            let Ok(read) = stream.read(&mut buffer).await else {
                                return;
                            };
                            if read == 0 {
                                return;
                            }
                            request.extend_from_slice(&buffer[..read]);
                            let text = String::from_utf8_lossy(&request).into_owned();
                            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                                continue;
                            };
                            let length = head
                                .lines()
                                .find_map(|line| {
                                    line.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|n| n.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if body.len() >= length {
                                break text;
                            }
                        };
                        let content = reply(&body, &answers);
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n{content}",
                            content.len()
                        );
                        if stream.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, answers)
    }

    async fn power_on_with(answer: Answer) -> (Option<Answer>, String) {
        let (url, answers) = stub().await;
        let mut config = ClientConfig::new(url.parse().unwrap());
        config.keepalive = None;
        config.api_version = Some("8.0.3.0".parse().unwrap());
        config.transport.proxy = ProxyPolicy::Direct;
        let client = Client::connect(config).await.unwrap();
        let vm = VirtualMachine::new(
            client.clone(),
            ManagedObjectReference::new("VirtualMachine", "1"),
        );
        let answered = power_on(&client, &vm, answer).await.unwrap();
        let request = answers.lock().unwrap().first().cloned().unwrap_or_default();
        (answered, request)
    }

    #[tokio::test]
    async fn the_moved_or_copied_question_is_answered_as_asked() {
        let (answered, request) = power_on_with(Answer::Moved).await;
        assert_eq!(answered, Some(Answer::Moved));
        assert!(
            request.contains("<questionId xsi:type=\"xsd:string\">_vmx1</questionId>"),
            "{request}"
        );
        assert!(
            request.contains("<answerChoice xsi:type=\"xsd:string\">1</answerChoice>"),
            "{request}"
        );

        let (answered, request) = power_on_with(Answer::Copied).await;
        assert_eq!(answered, Some(Answer::Copied));
        assert!(
            request.contains("<answerChoice xsi:type=\"xsd:string\">2</answerChoice>"),
            "{request}"
        );
    }
}
