console.log("serve")
